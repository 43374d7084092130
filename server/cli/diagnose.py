"""`dbgpt diagnose --db NAME_OR_URL (SQL | -f FILE) [--json]`: why a query fails or is slow.

Works without a running server. The model (for the summary and rewrite
proposals) is loaded in this process unless `--controller` names a running
controller, or skipped with `--no-model`; every finding is produced without it.
Findings are printed as the checks find them and the summary last; `--json`
prints the whole report once it is complete.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer

from server.cli.common import fail, load_settings, local_catalog, open_llm
from server.databases import UnknownDatabase

_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


class _Teller:
    """Prints a diagnosis as it is told: each finding as it arrives (numbered), a short line when a
    later check confirms, softens or withdraws one, then the notes, and the summary last."""

    def __init__(self) -> None:
        from rich.console import Console

        self.out = Console()
        self.told: dict[int, dict] = {}

    def __call__(self, event) -> None:
        from assistant.diagnosis import Done, FindingEvent, Withdrawn

        if isinstance(event, FindingEvent):
            data = event.data()
            earlier = self.told.get(event.n)
            self.told[event.n] = data
            if earlier is None:
                self._finding(event.n, data)
            else:
                self._update(event.n, earlier, data)
        elif isinstance(event, Withdrawn):
            self.out.print(f"[dim]{event.n}. withdrawn: the database accepted what this finding flagged[/]")
        elif isinstance(event, Done):
            report = event.report
            for note in report.notes:
                self.out.print(f"[dim]note: {note}[/]", highlight=False)
            self.out.print(f"\n[bold]Summary[/] ({report.summary_source}): {report.summary}", highlight=False)

    @staticmethod
    def _mark(data: dict) -> str:
        return "[green]verified[/]" if data["verified"] else "[dim]not verified[/]"

    def _finding(self, n: int, data: dict) -> None:
        colour = _COLOURS.get(data["severity"], "white")
        location = data["location"]
        where = f" line {location['line']}, col {location['column']}" if location else ""
        self.out.print(f"{n}. [{colour}]{data['severity'].upper()}[/] {data['kind']}{where} ({self._mark(data)})")
        self.out.print(f"   {data['message']}", highlight=False)
        if data["sql"]:
            self.out.print(f"   [bold]SQL:[/] {data['sql']}", highlight=False)
        elif data["suggestion"]:
            self.out.print(f"   [bold]Try:[/] {data['suggestion']}", highlight=False)
        if data["verification"]:
            self.out.print(f"   [dim]{data['verification']}[/]", highlight=False)

    def _update(self, n: int, earlier: dict, data: dict) -> None:
        colour = _COLOURS.get(data["severity"], "white")
        self.out.print(f"{n}. [dim]now[/] [{colour}]{data['severity'].upper()}[/] {data['kind']} "
                       f"({self._mark(data)})" + (f": {data['verification']}" if data["verification"] else ""),
                       highlight=False)
        if data["message"] != earlier["message"]:
            self.out.print(f"   {data['message']}", highlight=False)


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
    from assistant.diagnosis import diagnose_stream, report_of
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
        events = diagnose_stream(sql, connector, llm, dialect=dialect, verify=verify, timeout_s=timeout)
        report = asyncio.run(report_of(events, tell=None if as_json else _Teller()))
    except UnknownDatabase as exc:
        raise fail(str(exc), code=2) from exc
    except ConnectorError as exc:
        raise fail(f"cannot open the database: {exc}") from exc
    finally:
        catalog.close()
    if as_json:
        typer.echo(json.dumps(report.to_dict(), default=str))
    if any(f.severity == "error" for f in report.findings):
        raise typer.Exit(1)
