"""Delta weights: target = base + delta, tensor by tensor.

Vicuna and ExpertLLaMA are published as deltas against LLaMA. `apply_delta`
reads one tensor at a time from either format they ship in (safetensors or
PyTorch .bin, single file or sharded with an index), adds the base in the
delta's dtype, and writes safetensors shards, so memory holds about one
shard, not two 13B models. The tokenizer and config come from the delta
(the model's own), falling back to the base's files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Callable, Iterator

WEIGHT_SUFFIXES = (".safetensors", ".bin")
INDEX_FILES = ("model.safetensors.index.json", "pytorch_model.bin.index.json")
# Buffers old checkpoints saved that the model recomputes on load.
RECOMPUTED = ("rotary_emb.inv_freq",)
DEFAULT_SHARD_BYTES = 5 * 1024**3


class DeltaError(Exception):
    """The base and delta do not fit together (say which tensor and why)."""


class Weights:
    """The tensors of one model folder, read lazily by name."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._open: tuple[Path, object] | None = None
        self.where = self._index()

    def _index(self) -> dict[str, Path]:
        for name in INDEX_FILES:
            index = self.folder / name
            if index.is_file():
                weight_map = json.loads(index.read_text())["weight_map"]
                return {tensor: self.folder / file for tensor, file in weight_map.items()}
        files = sorted(p for p in self.folder.iterdir() if p.suffix in WEIGHT_SUFFIXES)
        if not files:
            raise DeltaError(f"{self.folder} holds no .safetensors or .bin weights")
        where: dict[str, Path] = {}
        for file in files:
            for tensor in self._reader(file).keys():
                where[tensor] = file
        return where

    def _reader(self, file: Path):
        if self._open is None or self._open[0] != file:
            if file.suffix == ".safetensors":
                from safetensors import safe_open

                reader = safe_open(str(file), framework="pt")
            else:
                import torch

                reader = torch.load(file, map_location="cpu", mmap=True, weights_only=True)
            self._open = (file, reader)
        return self._open[1]

    def names(self) -> list[str]:
        """In file order, so shards are read one after another."""
        return sorted(self.where, key=lambda name: (str(self.where[name]), name))

    def get(self, name: str):
        reader = self._reader(self.where[name])
        return reader.get_tensor(name) if hasattr(reader, "get_tensor") else reader[name]


def _combine(base: Weights, other: Weights, op: Callable, verb: str) -> Iterator[tuple[str, object]]:
    missing = [n for n in base.where if n not in other.where and not n.endswith(RECOMPUTED)]
    if missing:
        raise DeltaError(f"{len(missing)} tensors of the base are not in the {verb} (first: {missing[0]})")
    for name in other.names():
        if name not in base.where:
            raise DeltaError(f"tensor {name} of the {verb} is not in the base model")
        theirs, ours = other.get(name), base.get(name)
        if ours.shape == theirs.shape:
            yield name, op(theirs, ours.to(theirs.dtype))
        elif ours.dim() == theirs.dim() and ours.shape[1:] == theirs.shape[1:] and theirs.shape[0] > ours.shape[0]:
            # The delta added tokens (vicuna v0's pad token): new rows have no base part.
            out = theirs.clone()
            out[: ours.shape[0]] = op(theirs[: ours.shape[0]], ours.to(theirs.dtype))
            yield name, out
        else:
            raise DeltaError(f"tensor {name}: base shape {tuple(ours.shape)} does not fit {verb} "
                             f"shape {tuple(theirs.shape)}; is this the right base model?")


def _write(tensors: Iterator[tuple[str, object]], target: Path, shard_bytes: int) -> int:
    from safetensors.torch import save_file

    target.mkdir(parents=True, exist_ok=True)
    shards: list[dict] = []
    current: dict = {}
    size = total = 0
    for name, tensor in tensors:
        nbytes = tensor.numel() * tensor.element_size()
        if current and size + nbytes > shard_bytes:
            shards.append(current)
            save_file(current, str(target / f"part-{len(shards):05d}.tmp"), metadata={"format": "pt"})
            current, size = {}, 0
        current[name] = tensor.contiguous()
        size += nbytes
        total += nbytes
    shards.append(current)
    save_file(current, str(target / f"part-{len(shards):05d}.tmp"), metadata={"format": "pt"})
    if len(shards) == 1:
        (target / "part-00001.tmp").rename(target / "model.safetensors")
        return total
    weight_map = {}
    for i, shard in enumerate(shards, 1):
        final = f"model-{i:05d}-of-{len(shards):05d}.safetensors"
        (target / f"part-{i:05d}.tmp").rename(target / final)
        weight_map.update({name: final for name in shard})
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (target / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))
    return total


def _copy_model_files(sources: list[Path], target: Path) -> None:
    """Config and tokenizer files; a later source wins."""
    for source in sources:
        for path in source.iterdir():
            if path.is_file() and path.suffix not in WEIGHT_SUFFIXES and path.name not in INDEX_FILES:
                shutil.copy2(path, target / path.name)


def _run(base: Path, other: Path, target: Path, op: Callable, verb: str, shard_bytes: int) -> int:
    base, other, target = Path(base), Path(other), Path(target)
    if target.exists() and any(target.iterdir()):
        raise DeltaError(f"target folder {target} is not empty; choose a new folder")
    total = _write(_combine(Weights(base), Weights(other), op, verb), target, shard_bytes)
    _copy_model_files([base, other], target)
    return total


def apply_delta(base: Path, delta: Path, target: Path, *, shard_bytes: int = DEFAULT_SHARD_BYTES) -> int:
    """Write base + delta into `target`; returns the bytes of weights written."""
    return _run(base, delta, target, lambda d, b: d + b, "delta", shard_bytes)


def make_delta(base: Path, target: Path, delta: Path, *, shard_bytes: int = DEFAULT_SHARD_BYTES) -> int:
    """Write target - base into `delta` (how a fine-tune is published as a delta)."""
    return _run(base, target, delta, lambda t, b: t - b, "target", shard_bytes)
