"""Request and response models at the HTTP edge."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

MAX_QUESTION_CHARS = 2000

# A question in plain language: surrounding blanks dropped, then 1..2000 characters.
Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUESTION_CHARS)]


class SqlGenerateRequest(BaseModel):
    question: Question = Field(description="A question in plain language.")
    db: str | None = Field(None, min_length=1, max_length=2048,
                           description="A registered database name; default: the server's default database.")
    execute: bool = Field(True, description="Run the SQL read-only and return its rows.")
    row_limit: int | None = Field(None, ge=1, le=100_000, description="At most this many rows.")
    pipeline: Literal["full", "plain"] = Field(
        "full", description="full: linked schema, checked, repaired and voted; plain: one prompt, one answer."
    )
    candidates: int = Field(1, ge=1, le=5, description="Candidates to vote among (full pipeline).")
    conversation_id: str | None = Field(
        None, max_length=128, description="Follow-up questions in one conversation see its earlier turns."
    )


class AnswerErrorModel(BaseModel):
    kind: str
    message: str
    rule: str | None = None


class SqlGenerateResponse(BaseModel):
    question: str
    sql: str | None
    explanation: str = ""
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    timings: dict[str, float]
    usage: dict[str, int] = {}
    error: AnswerErrorModel | None = None
    confidence: float | None = Field(None, description="How far to trust the answer, 0 to 1, from the evidence "
                                                        "the pipeline gathered (see `evidence`).")
    confidence_label: str | None = Field(None, description="high (confident), medium (check the rows) or low "
                                                           "(likely wrong).")
    confidence_advice: str | None = Field(None, description="What the label asks of the user, in words, as the "
                                                            "page shows it.")
    evidence: dict[str, Any] = Field({}, description="What the confidence was computed from: candidates' "
                                                     "agreement, repairs, doubts kept, an empty result, "
                                                     "a term the database does not name.")
    chart: dict[str, Any] | None = None
    tables: list[str] = Field([], description="The tables the SQL reads.")
    linked_tables: list[str] = Field([], description="The tables of the schema the model was shown.")
    repairs: int = 0
    candidates: int = 1
    warnings: list[str] = Field([], description="Doubts about this SQL that remained after the model was asked "
                                                "about them; check the rows with these in mind.")
    conversation_id: str | None = None


class ErrorBody(BaseModel):
    detail: str


class SqlRunRequest(BaseModel):
    db: str = Field(min_length=1, max_length=2048, description="A registered database name.")
    sql: str = Field(min_length=1, max_length=100_000, description="One read-only statement.")
    row_limit: int | None = Field(None, ge=1, le=100_000)


class SqlRunResponse(BaseModel):
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    elapsed_s: float
    chart: dict[str, Any] | None = Field(None, description="A chart suggestion for the rows, as /generate gives.")


class RefusalBody(BaseModel):
    detail: str
    kind: str
    rule: str | None = None
