"""`dbgpt db add|import|list|test|remove` and `dbgpt run`: connections and the user's own SQL."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from server.cli.common import console, fail, first_line, load_settings, local_catalog, print_rows
from server.databases import DatabaseNotAllowed, UnknownDatabase
from server.metadata import open_registry
from server.metadata.connections import ConnectionExists, ConnectionNotFound, InvalidConnection

app = typer.Typer(help="Database connections: add, list, test, remove.", no_args_is_help=True)


@app.command("add")
def add(
    name: str = typer.Argument(..., help="A short name to refer to the database by."),
    url: str = typer.Argument(..., help="A SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db"),
    password_stdin: bool = typer.Option(False, help="Read the password from standard input."),
    description: str = typer.Option("", help="What this database holds."),
    check: bool = typer.Option(True, "--check/--no-check",
                               help="Connect once before saving and refuse to save when that fails."),
) -> None:
    """Test the connection, then register it; its password is stored encrypted."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    settings = load_settings()
    try:
        problem = _cannot_connect(settings, url, password) if check else None
        if problem:
            raise fail(f"cannot connect to '{name}': {problem}; not saved (--no-check saves it anyway)")
        info = open_registry(settings).add(name, url, password=password, description=description,
                                           reserved=("demo",))
    except (ConnectionExists, InvalidConnection) as exc:
        raise fail(str(exc), code=2) from exc
    console.print(f"[green]{'connected and added' if check else 'added (not tested)'}[/] {info.name}: {info.url}")


def _cannot_connect(settings, url: str, password: str | None) -> str | None:
    """Why `url` cannot be reached, in one line; None when it answers SELECT 1."""
    from server.metadata.connections import split_url, with_password

    bare, secret = split_url(url, password)  # an unsupported URL is InvalidConnection, before connecting
    catalog = local_catalog(settings)
    try:
        connector = catalog.open(with_password(bare, secret))
        try:
            connector.run("SELECT 1")
        finally:
            connector.close()
    except Exception as exc:  # whatever stops the connection is the reason
        return first_line(exc)
    finally:
        catalog.close()
    return None


@app.command("import")
def import_cmd(
    files: list[Path] = typer.Argument(..., help="CSV, TSV, XLSX (a table per sheet), Parquet or JSON files.",
                                       exists=True, dir_okay=False, readable=True),
    name: str = typer.Option(None, "--name", help="The connection name; default: from the first file's name."),
) -> None:
    """Make files one DuckDB database in the data dir, registered as a connection (a table per file)."""
    from connectors.file_import import FileRejected
    from server.imports import import_files

    settings = load_settings()
    settings.ensure_dirs()
    try:
        imported = import_files(settings, open_registry(settings), list(files), name=name)
    except (ConnectionExists, InvalidConnection) as exc:
        raise fail(str(exc), code=2) from exc
    except FileRejected as exc:
        raise fail(exc.message, code=3) from exc
    for table in imported.tables:
        columns = ", ".join(f"{n} {t}" for n, t in table.columns)
        console.print(f"  {table.name}: {table.rows:,} rows ({columns}) from {table.source}")
    console.print(f"[green]imported[/] {imported.name}: {imported.database}")


@app.command("list")
def list_cmd() -> None:
    """Registered connections (passwords never shown)."""
    table = Table("name", "engine", "url", "description")
    table.add_row("demo", "sqlite", "(built in)", "The embedded demo shop database.")
    for info in open_registry(load_settings()).list():
        table.add_row(info.name, info.engine, info.url, info.description)
    Console().print(table)


@app.command("test")
def test(name: str) -> None:
    """Connect, run SELECT 1, and warn about the account's dangerous privileges."""
    from connectors.privileges import dangerous_privileges

    catalog = local_catalog(load_settings())
    try:
        connector = catalog.connector(name)
        connector.run("SELECT 1")
        privileges = dangerous_privileges(connector)
    except UnknownDatabase as exc:
        raise fail(str(exc), code=2) from exc
    except DatabaseNotAllowed as exc:  # DBGPT_REFUSE_PRIVILEGED=1 and a privileged account
        raise fail(f"'{name}' is refused: {exc}", code=3) from exc
    except Exception as exc:  # whatever stops the connection is the answer
        raise fail(f"cannot connect to '{name}': {exc}") from exc
    finally:
        catalog.close()
    console.print(f"[green]ok[/] {name}")
    for privilege in privileges:
        console.print(f"[yellow]warning:[/] the account has {privilege.name}: {privilege.reason}")
    if privileges:
        console.print("[yellow]warning:[/] connect with a low-privilege, read-only account instead")


@app.command("remove")
def remove(name: str) -> None:
    """Forget a connection and the grants to it (the database itself is untouched, unless it was
    made by `db import`): a later database of the same name starts with no grants."""
    from server.imports import remove_files
    from server.metadata import open_users

    settings = load_settings()
    registry = open_registry(settings)
    try:
        url = registry.full_url(name)
        registry.remove(name)
    except ConnectionNotFound as exc:
        raise fail(str(exc), code=2) from exc
    open_users(settings).forget_target("db", name)
    remove_files(settings, url)
    console.print(f"removed {name}")


def run(
    sql: str = typer.Argument(..., help="One read-only statement."),
    db: str = typer.Option("demo", "--db", help="A known database name or a SQLAlchemy URL."),
    as_json: bool = typer.Option(False, "--json"),
    row_limit: int = typer.Option(None),
) -> None:
    """Run your own SQL through the read-only guard."""
    from connectors.types import ConnectorError, GuardRefusal

    catalog = local_catalog(load_settings())
    try:
        result = catalog.connector(db).run(sql, row_limit=row_limit)
    except UnknownDatabase as exc:
        raise fail(str(exc), code=2) from exc
    except GuardRefusal as exc:
        if as_json:
            typer.echo(json.dumps({"error": "refused", "rule": exc.rule, "detail": exc.message}))
        raise fail(str(exc), code=3) from exc
    except ConnectorError as exc:
        if as_json:
            typer.echo(json.dumps({"error": "execution", "detail": str(exc)}))
        raise fail(str(exc)) from exc
    finally:
        catalog.close()
    if as_json:
        typer.echo(json.dumps({"columns": result.columns, "rows": result.rows, "truncated": result.truncated,
                               "elapsed_s": result.elapsed_s}, default=str))
        return
    print_rows(result.columns, result.rows, result.truncated)
