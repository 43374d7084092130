"""`dbgpt model apply-delta`: base + delta = target, bit for bit.

The weights are tiny LLaMAs made here with values on a coarse grid (multiples
of 1/256, |x| < 2), where fp16 addition and subtraction are exact: so the
merged model must equal the fine-tuned one bit for bit, not just closely.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.helpers import REPO
from tests.support.tiny_llama import make_tiny_llama

torch = pytest.importorskip("torch")
from safetensors.torch import load_file, save_file  # noqa: E402

from llm.delta import DeltaError, Weights, apply_delta, make_delta  # noqa: E402


def _on_grid(folder, seed):
    """Rewrite a saved model's weights as fp16 multiples of 1/256 below 2."""
    weights = load_file(str(folder / "model.safetensors"))
    gen = torch.Generator().manual_seed(seed)
    grid = {k: (torch.randint(-511, 512, v.shape, generator=gen) / 256).to(torch.float16) for k, v in weights.items()}
    save_file(grid, str(folder / "model.safetensors"), metadata={"format": "pt"})
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "dtype": "float16", "torch_dtype": "float16"}))
    return grid


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("delta")
    base = make_tiny_llama(root / "base", seed=1)
    tuned = make_tiny_llama(root / "tuned", seed=2, chat_template=True)
    _on_grid(base, 11)
    _on_grid(tuned, 12)
    delta = root / "delta"
    make_delta(base, tuned, delta)
    return root, base, tuned, delta


def _tensors(folder):
    weights = Weights(folder)
    return {name: weights.get(name) for name in weights.names()}


def _assert_bit_for_bit(got, want):
    assert set(got) == set(want)
    for name in want:
        assert got[name].dtype == want[name].dtype, name
        assert torch.equal(got[name].view(torch.int16), want[name].view(torch.int16)), name


def test_cli_apply_delta_reproduces_the_tuned_model_bit_for_bit(models, tmp_path):
    _root, base, tuned, delta = models
    target = tmp_path / "merged"
    result = subprocess.run(
        [sys.executable, "-m", "server.cli.main", "model", "apply-delta",
         "--base", str(base), "--delta", str(delta), "--target", str(target)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    _assert_bit_for_bit(_tensors(target), _tensors(tuned))
    # Tokenizer and chat template come with the delta: the merged model is the tuned one.
    assert json.loads((target / "tokenizer_config.json").read_text()).get("chat_template") or \
        (target / "chat_template.jinja").exists()
    from llm.transformers_engine import TransformersEngine

    merged, original = TransformersEngine.load(target), TransformersEngine.load(tuned)
    params = {"prompt": "SELECT name", "max_new_tokens": 8}
    assert list(merged.stream(params))[-1].text == list(original.stream(params))[-1].text


def test_sharded_pytorch_bin_delta_as_vicuna_ships_and_sharded_output(models, tmp_path):
    _root, base, tuned, delta = models
    tensors = _tensors(delta)
    names = sorted(tensors)
    half = len(names) // 2
    bin_delta = tmp_path / "bin-delta"
    bin_delta.mkdir()
    weight_map = {}
    for i, part in enumerate((names[:half], names[half:]), 1):
        file = f"pytorch_model-0000{i}-of-00002.bin"
        torch.save({n: tensors[n].clone() for n in part}, bin_delta / file)
        weight_map.update({n: file for n in part})
    (bin_delta / "pytorch_model.bin.index.json").write_text(json.dumps({"weight_map": weight_map}))
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        (bin_delta / name).write_bytes((delta / name).read_bytes())
    target = tmp_path / "merged"
    apply_delta(base, bin_delta, target, shard_bytes=40_000)
    shards = sorted(p.name for p in target.glob("*.safetensors"))
    assert len(shards) > 1 and (target / "model.safetensors.index.json").is_file()
    _assert_bit_for_bit(_tensors(target), _tensors(tuned))


def test_a_delta_with_added_tokens_keeps_their_rows(models, tmp_path):
    _root, base, _tuned, delta = models
    grown = tmp_path / "grown"
    grown.mkdir()
    tensors = _tensors(delta)
    extra_row = torch.full((1, tensors["model.embed_tokens.weight"].shape[1]), 0.5, dtype=torch.float16)
    tensors["model.embed_tokens.weight"] = torch.cat([tensors["model.embed_tokens.weight"], extra_row])
    save_file(tensors, str(grown / "model.safetensors"))
    target = tmp_path / "merged"
    apply_delta(base, grown, target)
    merged = _tensors(target)["model.embed_tokens.weight"]
    base_rows = _tensors(base)["model.embed_tokens.weight"]
    assert torch.equal(merged[:-1], tensors["model.embed_tokens.weight"][:-1] + base_rows)
    assert torch.equal(merged[-1:], extra_row)


def test_a_delta_for_another_base_is_refused_with_the_tensor_named(models, tmp_path):
    _root, base, _tuned, _delta = models
    other = make_tiny_llama(tmp_path / "other", seed=3)
    weights = load_file(str(other / "model.safetensors"))
    weights["model.norm.weight"] = torch.ones(7)
    save_file(weights, str(other / "model.safetensors"))
    with pytest.raises(DeltaError, match="model.norm.weight"):
        apply_delta(base, other, tmp_path / "out")
    with pytest.raises(DeltaError, match="not empty"):
        apply_delta(base, other, other)
