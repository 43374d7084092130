"""A tiny randomly initialised LLaMA model and tokenizer, made and saved locally.

Same code path as vicuna-13b (LlamaForCausalLM, a SentencePiece-style BPE
tokenizer with the "▁" word marker, safetensors weights), small enough to
load in a second on a CPU. Nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

CORPUS = [
    "SELECT name FROM users WHERE id = 1;",
    "SELECT COUNT(*) FROM orders GROUP BY customer_id;",
    "How many orders were shipped last week?",
    "The quick brown fox jumps over the lazy dog.",
    "A database answers questions with rows and columns.",
]
ALPHABET = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:?!=*()'\"_-<>/#")
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def make_tokenizer(vocab_size: int = 300):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first")
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<unk>", "<s>", "</s>"],
                                  initial_alphabet=ALPHABET)
    tok.train_from_iterator(CORPUS * 5, trainer)
    # Like LLaMA's tokenizer: BOS before every encoded text.
    bos = ("<s>", tok.token_to_id("<s>"))
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[bos])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>")


def make_tiny_llama(folder: Path, *, seed: int = 0, chat_template: bool = False, never_eos: bool = False,
                    eos_token_id: int | None = None, dtype: str = "float32", hidden_size: int = 64,
                    heads: int = 4) -> Path:
    """Save a tiny LlamaForCausalLM and its tokenizer into `folder`.

    `never_eos` zeroes the EOS row of the output layer so greedy decoding never
    picks it: generation then runs to max_new_tokens (long requests on demand).
    `eos_token_id` makes another token the end of an answer. GPU kernels
    (vLLM) want a head size of 64 or more: hidden_size=128, heads=2.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = make_tokenizer()
    if chat_template:
        tokenizer.chat_template = CHAT_TEMPLATE
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden_size, intermediate_size=2 * hidden_size, num_hidden_layers=2,
        num_attention_heads=heads, num_key_value_heads=max(1, heads // 2), max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id, pad_token_id=None,
        eos_token_id=tokenizer.eos_token_id if eos_token_id is None else eos_token_id,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).to(getattr(torch, dtype))
    if never_eos:
        with torch.no_grad():
            # EOS's logit is then always 0, and the largest of ~300 random
            # logits is positive: greedy decoding never ends by itself.
            model.lm_head.weight[tokenizer.eos_token_id].zero_()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
