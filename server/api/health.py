"""Liveness that means something: 200 only when a model worker answers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter()


@router.get("/healthz", tags=["health"])
async def healthz(request: Request):
    llm = request.app.state.llm
    if await llm.ready():
        return {"status": "ok", "model": llm.model}
    return JSONResponse(
        status_code=503,
        content={"status": "starting", "detail": f"no worker of model '{llm.model}' is ready yet"},
    )
