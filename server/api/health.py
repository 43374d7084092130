"""Liveness that means something: 200 only when a model worker answers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from server.api.deps import LLMDep

router = APIRouter()


@router.get("/healthz", tags=["health"])
async def healthz(llm: LLMDep):
    """The one route anyone may call: it says whether a model worker answers, nothing more."""
    if await llm.ready():
        return {"status": "ok", "model": llm.model}
    return JSONResponse(
        status_code=503,
        content={"status": "starting", "detail": f"no worker of model '{llm.model}' is ready yet"},
    )
