"""The audit log over HTTP: GET /api/v1/audit (admin only; nothing here writes)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from fastapi import APIRouter, Query

from server.api.deps import AdminUser, ServicesDep

router = APIRouter(tags=["audit"])


@router.get("/audit")
async def audit_log(_admin: AdminUser, services: ServicesDep, limit: int = Query(100, ge=1, le=10_000),
                    user: str | None = Query(None, max_length=64), db: str | None = Query(None, max_length=2048),
                    since: datetime | None = None) -> list[dict]:
    """The newest entries first: time, user, route, database, question, SQL (or the rule that
    refused it), row count, duration and outcome."""
    return await asyncio.to_thread(services.audit.query, limit=limit, user=user or None, db=db or None, since=since)
