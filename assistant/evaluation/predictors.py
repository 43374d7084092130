"""Predictors the harness ships itself, to check the harness rather than a model."""

from __future__ import annotations

from connectors import Connector

from .models import EvalQuestion, Prediction


def gold_predictor(question: EvalQuestion, conn: Connector) -> Prediction:
    """Answers with the first gold query: a correct harness scores it at 100%."""
    return Prediction(sql=question.gold_sql[0])
