"""The caller's own conversations: list (newest first, search by title), read, rename, delete."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field, StringConstraints

from server.api.deps import CurrentUser, ServicesDep
from server.api.errors import ApiError
from server.api.schemas import ErrorBody

router = APIRouter(prefix="/conversations", tags=["conversations"])
ERRORS = {404: {"model": ErrorBody}}


class ConversationSummary(BaseModel):
    id: str
    title: str
    created_at: datetime
    updated_at: datetime
    turns: int


class TurnModel(BaseModel):
    n: int
    created_at: datetime
    message: str
    skill: str
    db: str | None
    answer: str | None
    sql: str | None
    columns: list[str]
    rows: list[list[Any]] = Field(description="The first rows of the answer (capped).")
    row_count: int | None = Field(description="Rows the answer had.")
    chart: dict[str, Any] | None
    citations: list[dict[str, Any]]
    timings: dict[str, float]
    warnings: list[str]
    error: dict[str, Any] | None
    details: dict[str, Any] | None = Field(None, description="What the page needs to draw the answer again "
                                                               "beyond the fields above: a diagnosis's findings "
                                                               "(advice among them), summary source, notes, "
                                                               "dialect and statement kind.")
    feedback: Literal["up", "down"] | None


class ConversationDetail(BaseModel):
    id: str
    title: str
    created_at: datetime
    updated_at: datetime
    turns: list[TurnModel]


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ConversationPatch(BaseModel):
    title: Title


class FeedbackPatch(BaseModel):
    feedback: Literal["up", "down"] | None


def _missing(conversation_id: str) -> ApiError:
    # The same answer whether the id is unknown or another user's.
    return ApiError(404, f"no conversation '{conversation_id}'")


@router.get("", response_model=list[ConversationSummary])
async def list_conversations(user: CurrentUser, services: ServicesDep,
                             q: str | None = Query(None, max_length=200, description="Words in the title."),
                             limit: int = Query(100, ge=1, le=1000)) -> list[dict]:
    """The caller's conversations, most recently active first."""
    return await asyncio.to_thread(services.conversations.list, user.name, q, limit)


ConversationId = Annotated[str, Path(max_length=128)]
TurnNumber = Annotated[int, Path(ge=1, le=1_000_000)]


@router.get("/{conversation_id}", response_model=ConversationDetail, responses=ERRORS)
async def get_conversation(conversation_id: ConversationId, user: CurrentUser, services: ServicesDep) -> dict:
    found = await asyncio.to_thread(services.conversations.get, user.name, conversation_id)
    if found is None:
        raise _missing(conversation_id)
    return found


@router.patch("/{conversation_id}", response_model=ConversationDetail, responses=ERRORS)
async def rename_conversation(conversation_id: ConversationId, body: ConversationPatch, user: CurrentUser,
                              services: ServicesDep) -> dict:
    """A new title (the first message's, until it is changed here)."""
    found = await asyncio.to_thread(services.conversations.rename, user.name, conversation_id, body.title)
    if found is None:
        raise _missing(conversation_id)
    return found


@router.patch("/{conversation_id}/turns/{n}", status_code=204, responses=ERRORS)
async def turn_feedback(conversation_id: ConversationId, n: TurnNumber, body: FeedbackPatch, user: CurrentUser,
                        services: ServicesDep) -> Response:
    """The caller's feedback on one answer: up, down, or none."""
    if not await asyncio.to_thread(services.conversations.set_feedback, user.name, conversation_id, n,
                                   body.feedback):
        raise ApiError(404, f"no turn {n} in conversation '{conversation_id}'")
    return Response(status_code=204)


@router.delete("/{conversation_id}", status_code=204, responses=ERRORS)
async def delete_conversation(conversation_id: ConversationId, user: CurrentUser,
                              services: ServicesDep) -> Response:
    if not await asyncio.to_thread(services.conversations.delete, user.name, conversation_id):
        raise _missing(conversation_id)
    return Response(status_code=204)
