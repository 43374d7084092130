"""`dbgpt knowledge describe`: read, write and draft what tables and columns mean."""

from __future__ import annotations

import asyncio
import json

import typer
from rich.console import Console
from rich.table import Table

from server.cli.common import console, fail, load_settings, local_catalog, open_llm


def describe(
    db: str = typer.Option("demo", "--db", help="A registered database name."),
    target: str = typer.Option(None, "--set", help="TABLE or TABLE.COLUMN to describe (with --text)."),
    text: str = typer.Option(None, "--text", help="What it means; empty removes the description."),
    draft: bool = typer.Option(False, "--draft", help="Let the model draft what is not described yet."),
    controller: str = typer.Option(None, help="With --draft: a running controller instead of loading the model."),
    as_json: bool = typer.Option(False, "--json", help="Print the layer as JSON."),
) -> None:
    """Show the semantic layer of a database; --set TABLE[.COLUMN] --text "..." writes one entry,
    --draft asks the model for the missing ones. The model reads them with every question."""
    from server.databases import UnknownDatabase
    from server.metadata.descriptions import InvalidDescription, layer

    if (target is None) != (text is None):
        raise fail("--set and --text go together", code=2)
    settings = load_settings()
    catalog = local_catalog(settings)
    try:
        if target is not None:
            table, _, column = target.partition(".")
            catalog.describe(db, table, column or None, text)
        if draft:
            _draft(catalog, db, open_llm(settings, controller))
        schema = catalog.connector(db).introspect()
        entries = layer(schema, catalog.descriptions.list(db))
    except (UnknownDatabase, InvalidDescription) as exc:
        raise fail(str(exc), code=2) from exc
    finally:
        catalog.close()
    if as_json:
        typer.echo(json.dumps({"db": db, "tables": entries}))
        return
    shown = Table("table.column", "what the model reads", "source")
    for entry in entries:
        shown.add_row(f"[bold]{entry['table']}[/]", entry["comment"] or "", entry["source"] or "")
        for column in entry["columns"]:
            shown.add_row(f"  .{column['column']}", column["comment"] or "", column["source"] or "")
    Console().print(shown)  # the report goes to stdout; progress and errors to stderr


def _draft(catalog, db: str, llm) -> None:
    """Drafts for every table and column without a description; a user's text is kept."""
    from assistant.sqlgen.describe import draft_table
    from knowledge.redaction import without_sensitive_values
    from server.cli.knowledge import knowledge_key, local_knowledge

    knowledge = local_knowledge()
    try:
        sensitive = knowledge.sensitive(knowledge_key(db))
    finally:
        knowledge.close()
    # The model drafts from sample rows: a sensitive column's cells never reach it.
    schema = without_sensitive_values(catalog.connector(db).introspect(), sensitive)
    for table in schema.tables:
        missing = [c for c in table.columns if not c.comment]
        if table.comment and not missing:
            continue
        console.print(f"drafting {table.name} ...")
        drafted = asyncio.run(draft_table(table, schema.dialect, llm))
        if not table.comment and drafted["description"]:
            catalog.describe(db, table.name, None, drafted["description"], source="model", overwrite=False)
        for column in missing:
            if drafted["columns"].get(column.name):
                catalog.describe(db, table.name, column.name, drafted["columns"][column.name], source="model",
                                 overwrite=False)
