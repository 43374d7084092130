"""The question sets of the text-to-SQL benchmark and the parts it reports.

defog sql-eval (../shared/eval/defog, SQLite and PostgreSQL) is split by
database into a tuning part and a held-out part; spider_holdout
(../shared/eval/spider_holdout, four other SQLite databases) is held out
whole. A rule is written from the tuning part's failures only; the held-out
figures are the ones that count, and their per-question failures are never
read (the benchmark does not print or save them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.evaluation import EvalDatabases, EvalQuestion, load_questions, select_subset
from bench.evaluation.pgload import DEFAULT_PG_URL, PostgresDumps

REPO = Path(__file__).resolve().parents[2]
EVAL_DIR = REPO.parent / "shared" / "eval"
DEFOG = EVAL_DIR / "defog"
SPIDER = EVAL_DIR / "spider_holdout"

# The defog split, fixed in the repository so that every run reports the same parts
# and a rule written from the tuning part is measured on databases it never saw. Chosen
# by database, before any result was looked at: defog's six text2sql databases come in
# three pairs of like schemas (academic / scholar on publications, atis / advising large
# and hard, restaurants / yelp on businesses and reviews), and each part takes one of
# each pair; of the four small databases (broker, car_dealership, ewallet, derm_treatment)
# the tuning part takes three, ewallet's large schema among them, and the held-out part
# one. Tuning: 90 questions, held-out: 84. Never change it to suit a result.
DEFOG_TUNING = ("academic", "atis", "restaurants", "broker", "car_dealership", "ewallet")
DEFOG_HELDOUT = ("scholar", "advising", "yelp", "derm_treatment")


@dataclass(frozen=True)
class Part:
    name: str
    title: str
    root: Path  # the set's folder: questions_<dialect>.csv and <dialect>/
    databases: tuple[str, ...] | None  # the set's databases in this part; None for all
    dialects: tuple[str, ...]
    held_out: bool  # its per-question outcomes are never shown

    def available(self, dialect: str) -> bool:
        return dialect in self.dialects


PARTS = {
    "tuning": Part("tuning", "defog tuning", DEFOG, DEFOG_TUNING, ("sqlite", "postgres"), held_out=False),
    "heldout": Part("heldout", "defog held-out", DEFOG, DEFOG_HELDOUT, ("sqlite", "postgres"), held_out=True),
    "spider": Part("spider", "spider_holdout", SPIDER, None, ("sqlite",), held_out=True),
}


def questions_of(part: Part, dialect: str, limit: int | None = None,
                 only: list[str] | None = None) -> list[EvalQuestion]:
    """The part's questions in file order (`only`: of these databases); with `limit`, a
    fixed subset of them taken in turns from each database."""
    questions = load_questions(part.root / f"questions_{dialect}.csv", dialect)
    if part.databases is not None:
        questions = [q for q in questions if q.db_name in part.databases]
    if only is not None:
        questions = [q for q in questions if q.db_name in only]
    return select_subset(questions, limit)


def databases_of(part: Part, dialect: str, pg_url: str = DEFAULT_PG_URL) -> EvalDatabases:
    folder = part.root / dialect
    return PostgresDumps(folder, pg_url=pg_url) if dialect == "postgres" else EvalDatabases(folder)
