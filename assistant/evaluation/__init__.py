"""Execution-based text-to-SQL evaluation on a user's own questions.

A CSV of questions with gold SQL (defog sql-eval's format, see dataset.py)
over a folder of SQLite databases: a run asks a `Predictor` (any
SQL-generation pipeline) each question, runs its SQL and every gold query
through the same guarded read-only connector, and scores the results by
content (see compare.py). `run_eval` is the Python entry point;
`server/cli/eval.py` wraps it as `dbgpt eval`. The benchmark's own sets,
their split and its PostgreSQL databases live in bench/evaluation/.
"""

from .compare import normalize_value, results_match
from .databases import EvalDatabases
from .dataset import load_questions, select_subset, split_gold
from .models import EvalQuestion, Prediction, Predictor, QuestionOutcome
from .ordering import asks_for_order, gold_order, order_for
from .predictors import gold_predictor
from .report import EvalReport
from .runner import run_eval, score_question

__all__ = [
    "EvalDatabases",
    "EvalQuestion",
    "EvalReport",
    "Prediction",
    "Predictor",
    "QuestionOutcome",
    "asks_for_order",
    "gold_order",
    "gold_predictor",
    "load_questions",
    "normalize_value",
    "order_for",
    "results_match",
    "run_eval",
    "score_question",
    "select_subset",
    "split_gold",
]
