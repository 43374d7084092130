"""`dbgpt eval`: execution accuracy of a SQL-generation pipeline on defog sql-eval.

The table goes to stdout for people; the last stdout line is one JSON object
for scripts. Progress goes to stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable

import typer
from rich.console import Console

from assistant.sqlgen.evaluation import (
    DEFAULT_PG_URL,
    Predictor,
    gold_predictor,
    load_questions,
    run_eval,
    select_subset,
)
from assistant.sqlgen.evaluation.databases import DIALECTS
from assistant.sqlgen.evaluation.ordering import ORDER_RULES

# The lead's factory: (pipeline name, dialect) -> predictor. "gold" never reaches it.
MakePredictor = Callable[[str, str], Predictor]

PIPELINES = ("plain", "full", "gold")
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFOG_DIR = REPO_ROOT.parent / "shared" / "eval" / "defog"


def default_questions(dialect: str) -> Path | None:
    path = DEFOG_DIR / f"questions_{dialect}.csv"
    return path if path.is_file() else None


def default_db_dir(dialect: str) -> Path | None:
    path = DEFOG_DIR / dialect
    return path if path.is_dir() else None


def _choice(value: str, choices: tuple[str, ...], option: str) -> str:
    if value not in choices:
        raise typer.BadParameter(f"must be one of {', '.join(choices)}", param_hint=option)
    return value


def register(app: typer.Typer, make_predictor: MakePredictor) -> None:
    """Add the `eval` command to `app`."""

    @app.command("eval")
    def eval_command(
        questions: Path | None = typer.Option(
            None, "--questions", help="defog questions CSV (default: ../shared/eval/defog/questions_<dialect>.csv)"
        ),
        db_dir: Path | None = typer.Option(
            None, "--db-dir", help="<db>.sqlite files or <db>.sql dumps (default: ../shared/eval/defog/<dialect>)"
        ),
        dialect: str = typer.Option("sqlite", "--dialect", help="sqlite or postgres"),
        pipeline: str = typer.Option(
            "full", "--pipeline", help="plain, full, or gold (answers the gold SQL: checks the harness)"
        ),
        limit: int | None = typer.Option(
            None, "--limit", min=1, help="a fixed subset of N questions, taken in turns from each database"
        ),
        out: Path | None = typer.Option(None, "--out", help="write one JSON line per question here"),
        pg_url: str = typer.Option(DEFAULT_PG_URL, "--pg-url", help="PostgreSQL server the dumps are loaded into"),
        order_rule: str = typer.Option(
            "question", "--order-rule", help="question: order counts when asked for; gold: whenever the gold sorts"
        ),
    ) -> None:
        """Score a SQL-generation pipeline by executing its SQL against the gold SQL."""
        _choice(dialect, DIALECTS, "--dialect")
        _choice(pipeline, PIPELINES, "--pipeline")
        _choice(order_rule, ORDER_RULES, "--order-rule")
        questions = questions or default_questions(dialect)
        db_dir = db_dir or default_db_dir(dialect)
        if questions is None:
            raise typer.BadParameter("no default questions file here; pass one", param_hint="--questions")
        if db_dir is None:
            raise typer.BadParameter("no default database folder here; pass one", param_hint="--db-dir")

        chosen = select_subset(load_questions(questions, dialect), limit)
        predictor = gold_predictor if pipeline == "gold" else make_predictor(pipeline, dialect)
        report = run_eval(
            chosen,
            predictor,
            dialect=dialect,
            db_dir=db_dir,
            pg_url=pg_url,
            out=out,
            pipeline=pipeline,
            order_rule=order_rule,  # type: ignore[arg-type]
            progress=sys.stderr,
        )
        report.render(Console(file=sys.stdout))
        # Plain print, never rich: the last line must stay one unwrapped JSON object.
        print(json.dumps(report.summary()), file=sys.stdout, flush=True)
