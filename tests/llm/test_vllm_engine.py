"""The vLLM engine: parameter mapping always, real generation where vLLM and a GPU are.

The mapping from FastChat-protocol params to vLLM's sampling and guided
decoding arguments is plain Python and runs everywhere. Generation needs
vLLM (not installable on CPU-only machines) and a CUDA GPU: it is skipped
with the reason otherwise.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from llm.vllm_engine import constraint, sampling_kwargs, vllm_missing_reason
from tests.support.tiny_llama import make_tiny_llama


def test_greedy_by_default_and_sampling_when_asked():
    greedy = sampling_kwargs({"max_new_tokens": 9, "stop": ["\n\n", ""], "top_p": 0.5})
    assert greedy["temperature"] == 0.0 and greedy["top_p"] == 1.0 and greedy["top_k"] == -1
    assert greedy["max_tokens"] == 9 and greedy["stop"] == ["\n\n"] and "seed" not in greedy
    sampled = sampling_kwargs({"temperature": 0.7, "top_p": 0.9, "top_k": 20, "seed": 5, "ignore_eos": True})
    assert (sampled["temperature"], sampled["top_p"], sampled["top_k"], sampled["seed"]) == (0.7, 0.9, 20, 5)
    assert sampled["ignore_eos"] is True and sampled["max_tokens"] == 256 and sampled["stop"] is None


def test_guided_decoding_constraint_from_response_format_or_grammar():
    schema = {"type": "object", "properties": {"sql": {"type": "string"}}}
    assert constraint({"response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": schema}}}) \
        == {"json": schema}
    assert constraint({"response_format": {"type": "json_object", "schema": schema}}) == {"json": schema}
    assert constraint({"response_format": {"type": "json_object"}}) == {"json_object": True}
    assert constraint({"grammar": 'root ::= "yes" | "no"'}) == {"grammar": 'root ::= "yes" | "no"'}
    assert constraint({"response_format": {"type": "text"}}) is None


def test_the_engine_refuses_to_load_without_vllm_or_a_gpu_and_says_why(tmp_path):
    reason = vllm_missing_reason()
    if reason is None:
        pytest.skip("vLLM and a GPU are here; the refusal does not apply")
    from llm.transformers_engine import EngineLoadError
    from llm.vllm_engine import VllmEngine

    with pytest.raises(EngineLoadError, match="vLLM"):
        VllmEngine(tmp_path)


@pytest.mark.skipif(vllm_missing_reason() is not None, reason=vllm_missing_reason() or "")
def test_vllm_streams_batches_and_follows_a_json_schema(tmp_path):
    from llm.vllm_engine import VllmEngine

    folder = make_tiny_llama(tmp_path / "tiny", dtype="float16", chat_template=True,
                             hidden_size=128, heads=2)
    engine = VllmEngine(folder, dtype="float16", gpu_memory_utilization=0.3, max_model_len=512,
                        max_num_seqs=8, enforce_eager=True)
    # A random model under a schema with room to ramble may not finish; an enum must.
    schema = {"type": "string", "enum": ["yes", "no"]}

    async def collect(params):
        return [chunk async for chunk in engine.astream(params)]

    async def go():
        plain = {"prompt": "SELECT name", "max_new_tokens": 12}
        guided = {"messages": [{"role": "user", "content": "yes or no?"}], "max_new_tokens": 60,
                  "response_format": {"type": "json_schema", "json_schema": {"name": "yn", "schema": schema}}}
        return await asyncio.gather(*[collect(plain) for _ in range(4)], collect(guided))

    *plain_runs, guided_run = asyncio.run(go())
    texts = [run[-1].text for run in plain_runs]
    assert len(set(texts)) == 1  # greedy: the same answer in every batch slot
    assert plain_runs[0][-1].finish_reason in ("length", "stop")
    assert plain_runs[0][-1].usage["completion_tokens"] >= 1
    assert json.loads(guided_run[-1].text) in ("yes", "no")
