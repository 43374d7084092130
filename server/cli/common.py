"""Pieces every CLI command shares."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

from llm.model_files import ModelNotFound, pull, spec_for
from server.settings import Settings

console = Console(stderr=True)  # progress and errors
report = Console()  # what the user asked for: stdout, so it can be piped


def print_rows(columns: list[str], rows: list[list], truncated: bool) -> None:
    """A result as a table on stdout; NULLs shown as NULL, a cut result said so."""
    from rich.table import Table

    table = Table(*columns)
    for row in rows:
        table.add_row(*("NULL" if v is None else str(v) for v in row))
    report.print(table)
    if truncated:
        console.print(f"[yellow]only the first {len(rows)} rows are shown[/]")


def load_settings(**overrides) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def local_catalog(settings: Settings):
    """The databases as the local user reaches them: any file they can read (the server confines)."""
    from server.databases import DatabaseCatalog

    return DatabaseCatalog(settings, confined=False)


def fail(message: str, code: int = 1) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}", soft_wrap=True)  # one line: the terminal wraps, not rich
    return typer.Exit(code)


def first_line(exc: BaseException) -> str:
    """An error as one line: its message's first line, else its type's name."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def cluster_secret(settings: Settings) -> str:
    """The secret the controller, the workers and the API share; a clear error when it is unusable."""
    try:
        return settings.resolve_cluster_secret()
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from exc


def ensure_model(settings: Settings) -> Path:
    """The verified model file, pulled with a progress bar when absent."""
    if settings.model_path is not None:
        if not settings.model_path.is_file():
            raise fail(f"model file {settings.model_path} does not exist (DBGPT_MODEL_PATH)")
        return settings.model_path
    spec = spec_for(settings.model_name)
    with Progress(
        "[progress.description]{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        console=console, transient=True,
    ) as progress:
        task = progress.add_task(f"model {spec.name}", total=spec.size)

        def advance(n: int) -> None:
            progress.advance(task, n)

        def log(message: str) -> None:
            progress.reset(task)
            progress.console.print(message)

        try:
            return pull(spec, settings.models_path, progress=advance, log=log)
        except ModelNotFound as exc:
            raise fail(str(exc)) from exc


def open_llm(settings: Settings, controller: str | None):
    """A running controller's model when `controller` is given, else the model loaded in this process."""
    if controller:
        from llm.client import ControllerClient

        return ControllerClient(controller, settings.model_name, secret=cluster_secret(settings),
                                timeout_s=settings.llm_timeout_s)
    from llm.client import LocalClient
    from llm.llamacpp_engine import LlamaCppEngine

    engine = LlamaCppEngine(ensure_model(settings), n_ctx=settings.n_ctx, n_threads=settings.n_threads)
    return LocalClient(engine, settings.model_name)
