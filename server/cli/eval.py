"""`dbgpt eval`: execution accuracy of a SQL-generation pipeline on your own questions.

`--questions` is a CSV of questions with gold SQL (db_name, question, query;
optionally query_category and instructions) and `--db-dir` the folder of
SQLite databases they ask about, `<db_name>.sqlite` each. The table goes to
stdout for people; the last stdout line is one JSON object for scripts.
Progress goes to stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable

import typer
from rich.console import Console

from assistant.evaluation import Predictor, gold_predictor, load_questions, run_eval, select_subset
from assistant.evaluation.ordering import ORDER_RULES

# The lead's factory: (pipeline name, dialect) -> predictor. "gold" never reaches it.
MakePredictor = Callable[[str, str], Predictor]

PIPELINES = ("plain", "full", "gold")
DIALECT = "sqlite"  # the databases of a folder are SQLite files


def _choice(value: str, choices: tuple[str, ...], option: str) -> str:
    if value not in choices:
        raise typer.BadParameter(f"must be one of {', '.join(choices)}", param_hint=option)
    return value


def register(app: typer.Typer, make_predictor: MakePredictor) -> None:
    """Add the `eval` command to `app`."""

    @app.command("eval")
    def eval_command(
        questions: Path = typer.Option(
            ..., "--questions", exists=True, dir_okay=False,
            help="CSV of questions with gold SQL: db_name, question, query (gold queries separated by ;)"
        ),
        db_dir: Path = typer.Option(
            ..., "--db-dir", exists=True, file_okay=False, help="folder of the SQLite databases, <db_name>.sqlite"
        ),
        pipeline: str = typer.Option(
            "full", "--pipeline", help="plain, full, or gold (answers the gold SQL: checks the harness)"
        ),
        limit: int | None = typer.Option(
            None, "--limit", min=1, help="a fixed subset of N questions, taken in turns from each database"
        ),
        out: Path | None = typer.Option(None, "--out", help="write one JSON line per question here"),
        order_rule: str = typer.Option(
            "question", "--order-rule", help="question: order counts when asked for; gold: whenever the gold sorts"
        ),
    ) -> None:
        """Score a SQL-generation pipeline by executing its SQL against the gold SQL."""
        _choice(pipeline, PIPELINES, "--pipeline")
        _choice(order_rule, ORDER_RULES, "--order-rule")
        chosen = select_subset(load_questions(questions, DIALECT), limit)
        predictor = gold_predictor if pipeline == "gold" else make_predictor(pipeline, DIALECT)
        report = run_eval(
            chosen,
            predictor,
            dialect=DIALECT,
            db_dir=db_dir,
            out=out,
            pipeline=pipeline,
            order_rule=order_rule,  # type: ignore[arg-type]
            progress=sys.stderr,
        )
        report.render(Console(file=sys.stdout))
        # Plain print, never rich: the last line must stay one unwrapped JSON object.
        print(json.dumps(report.summary()), file=sys.stdout, flush=True)
