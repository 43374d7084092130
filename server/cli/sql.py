"""`dbgpt sql QUESTION --db NAME_OR_URL`: text-to-SQL from the shell.

Works without a running server: the model is loaded in this process unless
`--controller` names a running controller to use instead.
"""

from __future__ import annotations

import asyncio
import json

import typer
from rich.markup import escape

from connectors.types import ConnectorError
from server.cli.common import console, fail, load_settings, local_catalog, open_llm, print_rows, report
from server.databases import UnknownDatabase, knowledge_key


def make_predictor(pipeline: str, dialect: str):
    """For `dbgpt eval`: the model of the settings (a running controller when
    DBGPT_CONTROLLER_URL is set, else loaded in this process)."""
    from assistant.evaluation.pipelines import eval_knowledge, pipeline_predictor

    settings = load_settings()
    knowledge = eval_knowledge(settings) if pipeline == "full" else None
    return pipeline_predictor(pipeline, open_llm(settings, settings.controller_url), knowledge=knowledge)


def _print_answer(answer) -> None:
    """The answer on stdout (SQL, doubts, how far to trust it, rows); an error on stderr."""
    report.print(f"[bold]SQL[/]\n{escape(answer.sql or '')}\n", highlight=False)
    if answer.error:
        console.print(f"[red]{answer.error.kind}:[/] {escape(answer.error.message)}", highlight=False)
        return
    for warning in answer.warnings:
        report.print(f"[yellow]check:[/] {escape(warning)}", highlight=False)
    if answer.confidence is not None:
        report.print(f"confidence {answer.confidence:.0%}: {answer.confidence_advice}", highlight=False)
    print_rows(answer.columns, answer.rows, answer.truncated)


def sql(
    question: str = typer.Argument(..., help="A question in plain language."),
    db: str = typer.Option("demo", "--db", help="A known database name or a SQLAlchemy URL."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    execute: bool = typer.Option(True, help="Run the SQL read-only."),
    row_limit: int = typer.Option(None, help="At most this many rows."),
    controller: str = typer.Option(None, help="Use a running controller instead of loading the model here."),
    pipeline: str = typer.Option("full", help="full (checked, repaired, voted) or plain (one prompt)."),
    candidates: int = typer.Option(1, min=1, max=5, help="Candidates to vote among (full pipeline)."),
) -> None:
    """Turn a question into SQL, run it read-only and print the rows."""
    from assistant.sqlgen.full import SqlOptions, answer_full
    from assistant.sqlgen.knowledge_context import from_knowledge
    from assistant.sqlgen.plain import answer_plain
    from llm.client import LLMError, LLMUnavailable
    from server.metadata import open_knowledge

    if not question.strip():
        raise fail("the question is empty", code=2)
    if pipeline not in ("full", "plain"):
        raise fail("--pipeline is full or plain", code=2)
    settings = load_settings()
    catalog = local_catalog(settings)
    try:
        connector = catalog.connector(db)
    except (UnknownDatabase, ConnectorError) as exc:  # a typo or a missing file: one line, no traceback
        catalog.close()
        raise fail(str(exc), code=2) from exc
    knowledge = open_knowledge(settings)
    try:
        llm = open_llm(settings, controller)
        limit = row_limit or settings.row_limit
        if pipeline == "plain":
            work = answer_plain(question, connector, llm, execute=execute, row_limit=limit)
        else:
            work = answer_full(question, connector, llm,
                               SqlOptions(execute=execute, row_limit=limit, candidates=candidates),
                               knowledge=from_knowledge(knowledge, knowledge_key(db), connector))
        answer = asyncio.run(work)
    except (LLMUnavailable, LLMError) as exc:
        raise fail(str(exc)) from exc
    finally:
        knowledge.close()
        catalog.close()
    if as_json:
        out = answer.to_dict()
        typer.echo(json.dumps(out, default=str))
    else:
        _print_answer(answer)
    if answer.error:
        raise typer.Exit(1)
