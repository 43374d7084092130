"""`dbgpt diagnose --db NAME_OR_URL (SQL | -f FILE) [--json]`: why a query fails or is slow.

Works without a running server. The model (for the summary and rewrite
proposals) is loaded in this process unless `--controller` names a running
controller, or skipped with `--no-model`; every finding is produced without it.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer

from server.cli.common import fail, load_settings, local_catalog, open_llm
from server.databases import UnknownDatabase

_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


def _print_report(report) -> None:
    from rich.console import Console

    out = Console()
    out.print(f"[bold]Summary[/] ({report.summary_source}): {report.summary}\n")
    for finding in report.findings:
        colour = _COLOURS.get(finding.severity, "white")
        where = f" line {finding.location.line}, col {finding.location.column}" if finding.location else ""
        mark = "[green]verified[/]" if finding.verified else "[dim]not verified[/]"
        out.print(f"[{colour}]{finding.severity.upper()}[/] {finding.kind}{where} ({mark})")
        out.print(f"  {finding.message}", highlight=False)
        if finding.sql:
            out.print(f"  [bold]SQL:[/] {finding.sql}", highlight=False)
        elif finding.suggestion:
            out.print(f"  [bold]Try:[/] {finding.suggestion}", highlight=False)
        out.print(f"  [dim]{finding.verification}[/]", highlight=False)
    for note in report.notes:
        out.print(f"[dim]note: {note}[/]", highlight=False)


def diagnose(
    sql: str = typer.Argument(None, help="The SQL statement (or use -f FILE)."),
    db: str = typer.Option("demo", "--db", help="A known database name or a SQLAlchemy URL."),
    file: Path = typer.Option(None, "-f", "--file", help="Read the SQL from this file ('-' for stdin).",
                              allow_dash=True),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
    dialect: str = typer.Option(None, help="The dialect the SQL is written in (default: the database's)."),
    verify: bool = typer.Option(True, help="Check plans, indexes and rewrites on the database (read-only)."),
    model: bool = typer.Option(True, "--model/--no-model", help="Let the model summarise and propose rewrites."),
    controller: str = typer.Option(None, help="Use a running controller instead of loading the model here."),
    timeout: float = typer.Option(None, help="Seconds allowed per verification query."),
) -> None:
    """Diagnose one SQL statement against a database: errors, anti-patterns, plan and verified advice."""
    from assistant.diagnosis import diagnose as run_diagnosis
    from connectors.types import ConnectorError

    if (sql is None) == (file is None):
        raise fail("give the SQL as an argument or with -f FILE (one of the two)", code=2)
    if file is not None:
        try:
            sql = typer.get_text_stream("stdin").read() if str(file) == "-" else file.read_text(encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot read {file}: {exc}", code=2) from exc
    if dialect and dialect not in ("sqlite", "postgres", "mysql", "duckdb"):
        raise fail("--dialect must be one of sqlite, postgres, mysql, duckdb", code=2)
    settings = load_settings()
    catalog = local_catalog(settings)
    try:
        connector = catalog.connector(db)
        llm = open_llm(settings, controller) if model else None
        report = asyncio.run(run_diagnosis(sql, connector, llm, dialect=dialect, verify=verify, timeout_s=timeout))
    except UnknownDatabase as exc:
        raise fail(str(exc), code=2) from exc
    except ConnectorError as exc:
        raise fail(f"cannot open the database: {exc}") from exc
    finally:
        catalog.close()
    if as_json:
        typer.echo(json.dumps(report.to_dict(), default=str))
    else:
        _print_report(report)
    if any(f.severity == "error" for f in report.findings):
        raise typer.Exit(1)
