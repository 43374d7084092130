"""`dbgpt ask QUESTION --space NAME [--db NAME]`: a grounded answer with citations.

Works without a running server: the model is loaded in this process unless
`--controller` names a running controller to use instead.
"""

from __future__ import annotations

import asyncio
import json

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from server.cli.common import console, fail, load_settings, local_catalog, open_llm


def ask(
    question: str = typer.Argument(..., help="A question about your databases or documents."),
    space: str = typer.Option(None, "--space", help="A knowledge space (default: every space)."),
    db: str = typer.Option(None, "--db", help="A database whose schema and verified examples are sources too."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    controller: str = typer.Option(None, help="Use a running controller instead of loading the model here."),
) -> None:
    """Answer from the documents and schema, citing them; says so when they do not hold the answer."""
    from assistant.qa.answer import answer_question
    from llm.client import LLMError, LLMUnavailable
    from server.databases import UnknownDatabase, knowledge_key
    from server.metadata import open_knowledge

    if not question.strip():
        raise fail("the question is empty", code=2)
    settings = load_settings()
    knowledge = open_knowledge(settings)
    catalog = local_catalog(settings)
    try:
        if space is not None and space not in knowledge.documents.names():
            raise fail(f"no knowledge space named '{space}'", code=2)
        connector = catalog.connector(db) if db else None
        answer = asyncio.run(answer_question(question.strip(), knowledge, open_llm(settings, controller), space=space,
                                             db=knowledge_key(db) if db else None, connector=connector))
    except UnknownDatabase as exc:
        raise fail(str(exc), code=2) from exc
    except (LLMUnavailable, LLMError) as exc:
        raise fail(str(exc)) from exc
    finally:
        catalog.close()
        knowledge.close()
    if as_json:
        typer.echo(json.dumps(answer.to_dict(), default=str))
        return
    if answer.answerable:
        Console().print(answer.answer, markup=False)
        if answer.replaced:
            console.print(f"[dim]the source's own words, as the model's did not hold up: {escape(answer.replaced)}[/]")
        elif answer.evidence:
            console.print(f"[dim]\u201c{escape(answer.evidence['text'])}\u201d \\[{answer.evidence['n']}][/]")
        if answer.citations:
            console.print(_sources_table(answer.citations))
        return
    Console().print("Not found in the documents.")
    if answer.rejected:
        console.print(f"[dim]why:[/] {escape(answer.rejected)}")
    if answer.sources:
        console.print("The closest sources, to read for yourself:")
        console.print(_sources_table(answer.sources[:CLOSEST], excerpts=True))


CLOSEST = 3


def _sources_table(sources: list[dict], *, excerpts: bool = False) -> Table:
    table = Table("#", "document", "location", "score", *(["starts with"] if excerpts else []))
    for c in sources:
        table.add_row(str(c["n"]), c["document"], c["location"], f"{c['score']:.3f}" if c["score"] else "",
                      *([c.get("excerpt", "")] if excerpts else []))
    return table
