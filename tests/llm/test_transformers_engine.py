"""The transformers engine on a tiny LLaMA that the test makes and saves (no download).

Same code path as vicuna-13b: LlamaForCausalLM loaded from a folder with an
explicit attention implementation, a SentencePiece-style tokenizer, vicuna
v1.1 or the model's own chat template, streamed through generate().
"""

from __future__ import annotations

import threading

import pytest

from llm.protocol import CONTEXT_OVERFLOW, OK, PARAM_OUT_OF_RANGE
from tests.support.tiny_llama import make_tiny_llama

torch = pytest.importorskip("torch")


@pytest.fixture(scope="session", autouse=True)
def one_thread():
    # Two cores shared with other test runs: OpenMP threads would spin against each other.
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    return make_tiny_llama(tmp_path_factory.mktemp("tiny-llama"), never_eos=True)


@pytest.fixture(scope="session")
def tiny(tiny_dir):
    from llm.transformers_engine import TransformersEngine

    return TransformersEngine.load(tiny_dir, attn_implementation="sdpa", n_threads=1)


def run(engine, **params):
    # An event that is never set, as the worker passes one: only a set event cancels.
    chunks = list(engine.stream({"prompt": "SELECT name FROM", "max_new_tokens": 24, **params}, threading.Event()))
    assert chunks, "no chunk at all"
    return chunks


def test_loads_with_sdpa_set_explicitly_and_matches_eager_attention(tiny, tiny_dir):
    from llm.transformers_engine import TransformersEngine

    assert tiny.attn_implementation == "sdpa"
    eager = TransformersEngine.load(tiny_dir, attn_implementation="eager")
    assert eager.attn_implementation == "eager"
    # Fused attention computes the same function: greedy answers agree.
    assert run(tiny)[-1].text == run(eager)[-1].text


def test_stream_grows_token_by_token_and_counts_tokens(tiny):
    chunks = run(tiny)
    texts = [c.text for c in chunks]
    assert len(chunks) > 5
    assert all(texts[i + 1].startswith(texts[i]) for i in range(len(texts) - 1))
    last = chunks[-1]
    assert last.error_code == OK and last.finish_reason == "length"
    prompt_tokens = len(tiny.tokenizer("SELECT name FROM").input_ids)  # BOS included
    assert last.usage == {"prompt_tokens": prompt_tokens, "completion_tokens": 24, "total_tokens": prompt_tokens + 24}
    assert tiny.count_tokens("SELECT name FROM") == prompt_tokens - 1


def test_stop_string_ends_the_answer_before_it_and_is_never_shown(tiny):
    full = run(tiny, max_new_tokens=30)[-1].text
    stop = full[12:15]
    cut = full.find(stop)
    assert cut > 0, full
    chunks = run(tiny, max_new_tokens=30, stop=[stop])
    assert chunks[-1].text == full[:cut]
    assert chunks[-1].finish_reason == "stop"
    assert all(stop not in c.text for c in chunks)


def test_eos_ends_the_answer(tmp_path, tiny):
    first_token = tiny.tokenizer(run(tiny, max_new_tokens=1)[-1].text, add_special_tokens=False).input_ids[0]
    from llm.transformers_engine import TransformersEngine

    ends_at_once = TransformersEngine.load(make_tiny_llama(tmp_path / "eos", never_eos=True,
                                                           eos_token_id=first_token))
    last = run(ends_at_once)[-1]
    assert (last.text, last.finish_reason, last.usage["completion_tokens"]) == ("", "stop", 0)


def test_temperature_seed_and_top_p(tiny):
    greedy = run(tiny)[-1].text
    a = run(tiny, temperature=1.0, seed=7)[-1].text
    b = run(tiny, temperature=1.0, seed=7)[-1].text
    c = run(tiny, temperature=1.0, seed=8)[-1].text
    assert a == b
    assert a != c and a != greedy
    # With top_p this small only the most likely token survives: greedy again.
    assert run(tiny, temperature=1.0, top_p=1e-6, seed=9)[-1].text == greedy


def test_vicuna_template_without_a_chat_template_and_the_model_s_own_when_present(tiny, tmp_path):
    from llm.transformers_engine import TransformersEngine

    messages = [{"role": "system", "content": "You write SQL."}, {"role": "user", "content": "List names."}]
    assert tiny.render({"messages": messages}) == "You write SQL. USER: List names. ASSISTANT:"
    vicuna = list(tiny.stream({"messages": messages, "max_new_tokens": 2}))[-1]
    assert vicuna.usage["prompt_tokens"] == len(tiny.tokenizer("You write SQL. USER: List names. ASSISTANT:").input_ids)
    chat = TransformersEngine.load(make_tiny_llama(tmp_path / "chat", chat_template=True))
    assert chat.render({"messages": messages}) == "<|system|>You write SQL.\n<|user|>List names.\n<|assistant|>"
    last = list(chat.stream({"messages": messages, "max_new_tokens": 5}))[-1]
    assert last.usage["prompt_tokens"] == len(chat.tokenizer(chat.render({"messages": messages}),
                                                             add_special_tokens=False).input_ids)


def test_context_overflow_is_a_clear_error(tiny_dir):
    from llm.transformers_engine import TransformersEngine

    small = TransformersEngine.load(tiny_dir, n_ctx=32)
    last = run(small, prompt="SELECT name FROM users " * 10, max_new_tokens=8)[-1]
    assert last.error_code == CONTEXT_OVERFLOW
    assert "maximum context length is 32" in last.text


def test_cancellation_stops_generation_early(tiny):
    cancelled = threading.Event()
    seen = []
    for chunk in tiny.stream({"prompt": "SELECT", "max_new_tokens": 2000}, cancelled):
        seen.append(chunk)
        if len(seen) == 3:
            cancelled.set()
    assert seen[-1].finish_reason == "cancelled"
    assert seen[-1].usage["completion_tokens"] < 50


def test_guided_decoding_is_refused_not_ignored(tiny):
    last = run(tiny, response_format={"type": "json_object"})[-1]
    assert last.error_code == PARAM_OUT_OF_RANGE and "llamacpp or vllm" in last.text


def test_gpu_only_options_fail_clearly_on_cpu(tiny_dir):
    from llm.transformers_engine import EngineLoadError, TransformersEngine

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU; the CPU refusals do not apply")
    with pytest.raises(EngineLoadError, match="CUDA GPU"):
        TransformersEngine.load(tiny_dir, quantization="8bit")
    with pytest.raises(EngineLoadError, match="flash_attention_2 needs a CUDA GPU"):
        TransformersEngine.load(tiny_dir, attn_implementation="flash_attention_2")
    with pytest.raises(EngineLoadError, match="attn_implementation"):
        TransformersEngine.load(tiny_dir, attn_implementation="magic")


def test_a_gpu_model_keeps_sdpa_off_cudnn_and_a_cpu_model_leaves_torch_alone(tiny):
    # The speed-up itself is measured on a GPU (bench/serving_gpu.py); here the wiring.
    import types

    from llm.transformers_engine import TransformersEngine

    before = torch.backends.cuda.cudnn_sdp_enabled()
    try:
        torch.backends.cuda.enable_cudnn_sdp(True)
        TransformersEngine(tiny.model, tiny.tokenizer)
        assert torch.backends.cuda.cudnn_sdp_enabled(), "a CPU model changed torch's GPU settings"
        on_gpu = types.SimpleNamespace(device=torch.device("cuda"), config=tiny.model.config,
                                       generation_config=tiny.model.generation_config)
        TransformersEngine(on_gpu, tiny.tokenizer)
        assert not torch.backends.cuda.cudnn_sdp_enabled()
    finally:
        torch.backends.cuda.enable_cudnn_sdp(before)


def test_log_probabilities_of_the_chosen_tokens_leave_the_text_unchanged(tiny):
    plain = run(tiny)[-1]
    scored = run(tiny, logprobs=True)[-1]
    assert scored.text == plain.text and plain.token_logprobs is None
    assert len(scored.tokens) == len(scored.token_logprobs) >= 20  # all but the last of 24 tokens
    assert all(p <= 0 for p in scored.token_logprobs)
    assert scored.text.startswith("".join(scored.tokens).strip()[:10])
