"""`dbgpt knowledge ...`: spaces, documents, the schema index, verified
examples and sensitive columns, from the shell, without a running server."""

from __future__ import annotations

import json
import threading

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from server.cli.common import console, fail, load_settings, local_catalog

app = typer.Typer(help="The assistant's memory: documents, schema index, verified examples.", no_args_is_help=True)
examples_app = typer.Typer(help="Verified question -> SQL pairs.", no_args_is_help=True)
app.add_typer(examples_app, name="example")


def knowledge_key(db: str) -> str:
    """A URL's knowledge is kept under a digest of it, never the URL (it may hold a password)."""
    from server.databases import knowledge_key as key
    from server.metadata.connections import InvalidConnection

    try:
        return key(db)
    except InvalidConnection as exc:
        raise fail(str(exc), code=2) from exc


def local_knowledge():
    from server.metadata import open_knowledge

    return open_knowledge(load_settings())


def _connector(settings, db: str):
    from server.databases import UnknownDatabase

    catalog = local_catalog(settings)
    try:
        return catalog, catalog.connector(db)
    except UnknownDatabase as exc:
        raise fail(str(exc), code=2) from exc


@app.command()
def add(
    paths: list[str] = typer.Argument(..., help="Files or folders (Markdown, text, PDF, HTML, DOCX, CSV)."),
    space: str = typer.Option(..., "--space", help="The knowledge space; created when new."),
    as_json: bool = typer.Option(False, "--json", help="Print the job as one JSON object."),
) -> None:
    """Add documents to a space, with a progress bar; failed files are listed with their reason."""
    from knowledge.errors import SpaceError
    from knowledge.ingestion import IngestionJob, expand, run_job

    knowledge = local_knowledge()
    try:
        knowledge.documents.create(space)
    except SpaceError as exc:
        raise fail(str(exc), code=2) from exc
    job = IngestionJob(id="cli", space=space, files=expand(paths))
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=as_json) as progress:
        task = progress.add_task(f"indexing into '{space}'", total=len(job.files))
        worker = threading.Thread(target=run_job, args=(knowledge.documents, job),
                                  kwargs={"progress": lambda j: progress.update(task, completed=j.done)})
        worker.start()
        while worker.is_alive():
            worker.join(0.2)
            if job.current:
                progress.update(task, description=f"indexing {job.current.rsplit('/', 1)[-1]}")
        progress.update(task, completed=job.done, description=f"indexed into '{space}'")
    knowledge.close()
    if as_json:
        typer.echo(json.dumps(job.to_dict()))
    else:
        _print_results(job)
    if job.state == "failed" or any(r.state == "failed" for r in job.results):
        raise typer.Exit(1)


def _print_results(job) -> None:
    counts = job.to_dict()["counts"]
    console.print(", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "no files found")
    failed = [r for r in job.results if r.state == "failed"]
    if failed:
        table = Table("file", "problem", "detail")
        for result in failed:
            table.add_row(result.path, result.error_kind or "", result.error or "")
        Console(stderr=True).print(table)
    if job.error:
        console.print(f"[red]the job stopped:[/] {job.error}")


@app.command()
def spaces() -> None:
    """List the knowledge spaces."""
    knowledge = local_knowledge()
    table = Table("space", "documents", "chunks", "description")
    for row in knowledge.documents.list():
        table.add_row(row["name"], str(row["documents"]), str(row["chunks"]), row["description"])
    knowledge.close()
    Console().print(table)


@app.command()
def docs(space: str = typer.Option(..., "--space")) -> None:
    """List a space's documents, failed ones with their error."""
    from knowledge.errors import SpaceError

    knowledge = local_knowledge()
    try:
        rows = knowledge.documents.documents(space)
    except SpaceError as exc:
        raise fail(str(exc), code=2) from exc
    table = Table("document", "state", "chunks", "error")
    for row in rows:
        table.add_row(row["path"], row["state"], str(row["chunks"]), row["error"] or "")
    knowledge.close()
    Console().print(table)


@app.command()
def remove(path: str = typer.Argument(..., help="The document as `docs` lists it."),
           space: str = typer.Option(..., "--space")) -> None:
    """Delete a document and its vectors from a space."""
    knowledge = local_knowledge()
    removed = knowledge.documents.delete_file(space, path)
    knowledge.close()
    if not removed:
        raise fail(f"no document '{path}' in space '{space}'", code=2)
    console.print(f"removed {path}")


@app.command()
def search(query: str, space: str = typer.Option(..., "--space"), k: int = typer.Option(5, "-k")) -> None:
    """Hybrid search (BM25 + vectors) in a space, with scores."""
    knowledge = local_knowledge()
    hits = knowledge.documents.search(space, query, k)
    knowledge.close()
    typer.echo(json.dumps([h.to_dict() for h in hits], indent=2))


@app.command()
def sync(db: str = typer.Option("demo", "--db"),
         force: bool = typer.Option(False, "--force", help="Rebuild even if the schema did not change "
                                                          "(new data: new values).")) -> None:
    """Bring the schema index, value index and verified examples in line with the database."""
    settings = load_settings()
    catalog, connector = _connector(settings, db)
    knowledge = local_knowledge()
    report = knowledge.sync(knowledge_key(db), connector.introspect(), connector, force=force)
    knowledge.close()
    catalog.close()
    typer.echo(json.dumps(report.to_dict(), indent=2))


@app.command()
def sensitive(
    column: str = typer.Argument(..., help="TABLE.COLUMN"),
    db: str = typer.Option("demo", "--db"),
    off: bool = typer.Option(False, "--off", help="Unmark the column."),
) -> None:
    """Mark a column sensitive: its values are never indexed or put in prompts."""
    table, _, name = column.rpartition(".")
    if not table or not name:
        raise fail("name the column as TABLE.COLUMN", code=2)
    knowledge = local_knowledge()
    knowledge.set_sensitive(knowledge_key(db), table, name, not off)
    marked = sorted(f"{t}.{c}" for t, c in knowledge.sensitive(knowledge_key(db)))
    knowledge.close()
    console.print("sensitive columns: " + (", ".join(marked) or "none"))


@examples_app.command("add")
def example_add(question: str, sql: str, db: str = typer.Option("demo", "--db")) -> None:
    """Store a verified pair: it must fit the schema, run read-only and return rows, or it is refused."""
    import getpass

    from knowledge.errors import ExampleError

    settings = load_settings()
    catalog, connector = _connector(settings, db)
    knowledge = local_knowledge()
    try:
        example = knowledge.examples(knowledge_key(db)).add(
            question, sql, source="cli", schema=connector.introspect(), explain=connector.explain,
            run=lambda statement: connector.run(statement, row_limit=1), created_by=getpass.getuser())
    except ExampleError as exc:
        raise fail(str(exc), code=2) from exc
    finally:
        catalog.close()
        knowledge.close()
    typer.echo(json.dumps(example.to_dict()))


@examples_app.command("list")
def example_list(db: str = typer.Option("demo", "--db"),
                 quarantined: bool = typer.Option(False, "--quarantined", help="Only the broken ones.")) -> None:
    """List verified pairs (quarantined ones with the reason)."""
    knowledge = local_knowledge()
    rows = knowledge.examples(knowledge_key(db)).list("quarantined" if quarantined else None)
    knowledge.close()
    table = Table("id", "state", "question", "sql", "added by", "reason")
    for e in rows:
        table.add_row(str(e.id), e.state, e.question, e.sql, e.created_by or e.source, e.reason or "")
    Console().print(table)


@examples_app.command("remove")
def example_remove(example_id: int, db: str = typer.Option("demo", "--db")) -> None:
    knowledge = local_knowledge()
    removed = knowledge.examples(knowledge_key(db)).remove(example_id)
    knowledge.close()
    if not removed:
        raise fail(f"no example {example_id} for '{db}'", code=2)
