"""Starter questions for the chat page's empty log, from the chosen database's schema."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Query
from pydantic import BaseModel

from assistant.sqlgen.suggestions import suggest_questions
from server.api.deps import AccessDep, AuditDep
from server.api.schemas import ErrorBody

router = APIRouter(tags=["sql"])


class Suggestions(BaseModel):
    db: str
    questions: list[str]


@router.get("/suggestions", response_model=Suggestions, responses={403: {"model": ErrorBody}, 404: {"model": ErrorBody}})
async def suggestions(access: AccessDep, audit: AuditDep,
                      db: str | None = Query(None, max_length=2048, description="A registered database name.")
                      ) -> Suggestions:
    """A few questions about the database written from its schema (no model is asked)."""
    name = access.db(db)
    audit.touch(db=name)
    connector = await access.connector(name)
    schema = await asyncio.to_thread(connector.introspect)
    return Suggestions(db=name, questions=suggest_questions(schema))
