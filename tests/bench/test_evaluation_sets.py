"""The benchmark's parts and its scores of confidence."""

from __future__ import annotations

import pytest

from assistant.evaluation.models import QuestionOutcome
from bench.evaluation.scores import auroc, confidence_buckets, confidence_report
from bench.evaluation.sets import DEFOG, DEFOG_HELDOUT, DEFOG_TUNING, PARTS, SPIDER, questions_of


def test_the_defog_split_is_six_databases_against_four_covering_the_set():
    assert len(DEFOG_TUNING) == 6 and len(DEFOG_HELDOUT) == 4
    assert not set(DEFOG_TUNING) & set(DEFOG_HELDOUT)
    assert PARTS["heldout"].held_out and PARTS["spider"].held_out and not PARTS["tuning"].held_out
    assert PARTS["spider"].available("sqlite") and not PARTS["spider"].available("postgres")


@pytest.mark.skipif(not DEFOG.is_dir() or not SPIDER.is_dir(), reason="the benchmark's sets are not here")
@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_the_parts_hold_every_defog_question_once(dialect):
    tuning, heldout = questions_of(PARTS["tuning"], dialect), questions_of(PARTS["heldout"], dialect)
    assert {q.db_name for q in tuning} == set(DEFOG_TUNING) and {q.db_name for q in heldout} == set(DEFOG_HELDOUT)
    assert (len(tuning), len(heldout)) == (90, 84)
    assert len(questions_of(PARTS["tuning"], dialect, limit=5)) == 5


@pytest.mark.skipif(not SPIDER.is_dir(), reason="spider_holdout is not here")
def test_spider_holdout_loads_whole():
    questions = questions_of(PARTS["spider"], "sqlite")
    assert len(questions) == 281 and len({q.db_name for q in questions}) == 4


def test_auroc_is_the_chance_a_right_answer_outscores_a_wrong_one():
    assert auroc([0.9, 0.8, 0.3, 0.1], [True, True, False, False]) == 1.0
    assert auroc([0.1, 0.3, 0.8, 0.9], [True, True, False, False]) == 0.0
    assert auroc([1.0, 1.0, 1.0, 0.0], [True, False, True, False]) == pytest.approx(0.75)  # ties count a half
    assert auroc([0.5, 0.5], [True, False]) == 0.5
    assert auroc([0.9, 0.2], [True, True]) is None and auroc([], []) is None


def outcome(correct, confidence):
    return QuestionOutcome(id=0, db="d", category="", question="q", gold=[], predicted_sql="x", correct=correct,
                           confidence=confidence)


def test_confidence_buckets_count_answers_and_accuracy():
    outcomes = [outcome(True, 1.0), outcome(False, 1.0), outcome(True, 0.8), outcome(False, 0.0),
                outcome(None, 1.0), outcome(True, None)]
    buckets = confidence_buckets(outcomes)
    assert [(b["n"], b["correct"]) for b in buckets] == [(1, 0), (0, 0), (0, 0), (3, 2)]
    assert buckets[1]["ex"] is None and buckets[3]["ex"] == pytest.approx(0.6667)
    report = confidence_report(outcomes)
    assert report["n"] == 4 and report["auroc"] == pytest.approx(2.5 / 4)
    assert confidence_report([outcome(True, None)]) is None


def test_the_answers_shown_as_confident_are_those_at_the_products_threshold():
    from assistant.sqlgen.confidence import CONFIDENT

    outcomes = [outcome(True, 1.0), outcome(False, CONFIDENT), outcome(True, CONFIDENT - 0.01), outcome(False, 0.1)]
    shown = confidence_report(outcomes)["confident"]
    assert shown["threshold"] == CONFIDENT
    assert (shown["n"], shown["correct"], shown["share"], shown["ex"]) == (2, 1, 0.5, 0.5)


def test_the_auroc_without_the_likelihood_is_reported_beside_it():
    def scored(correct, likelihood):
        evidence = {"agreement": 1.0, "repairs": 0, "tables": 1, "likelihood": likelihood}
        from assistant.sqlgen.confidence import Evidence, score

        return QuestionOutcome(id=0, db="d", category="", question="q", gold=[], predicted_sql="x", correct=correct,
                               confidence=score(Evidence(**evidence)), evidence=evidence)

    # Alike but for the likelihood, which alone tells right from wrong here.
    report = confidence_report([scored(True, -0.01), scored(True, -0.02), scored(False, -0.5), scored(False, -0.3)])
    assert report["auroc"] == 1.0 and report["auroc_without_likelihood"] == 0.5
    assert report["confident"]["n"] == 2 and report["confident"]["correct"] == 2  # the unsure ones fall below
    assert report["confident_without_likelihood"]["n"] == 4
