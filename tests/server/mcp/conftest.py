"""MCP clients from the SDK itself, over streamable HTTP against the served app, and a
scratch PostgreSQL schema to register as a connection."""

from __future__ import annotations

import json
import uuid
from contextlib import asynccontextmanager

import httpx2
import psycopg
import pytest
import sqlalchemy as sa
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.support.auth import bearer


@asynccontextmanager
async def http_client(url: str, key: str | None):
    """The SDK's client on `url`/mcp, sending `key` as the REST API's clients do."""
    async with httpx2.AsyncClient(headers=bearer(key) if key else {}, timeout=60) as http:
        async with Client(streamable_http_client(url + "/mcp", http_client=http)) as client:
            yield client


def structured(result) -> dict:
    """A successful tool result's JSON."""
    assert not result.is_error, result.content
    return result.structured_content or json.loads(result.content[0].text)


def error_text(result) -> str:
    assert result.is_error, result
    return result.content[0].text


@pytest.fixture(scope="module")
def pg_city(postgres_url):
    """A scratch schema holding city(id, name) with comments; the URL that reaches it."""
    schema = f"dbgpt_mcp_{uuid.uuid4().hex[:10]}"
    dsn = sa.make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"SET search_path TO {schema}")
        conn.execute("CREATE TABLE city (id integer PRIMARY KEY, name text NOT NULL, population integer)")
        conn.execute("COMMENT ON TABLE city IS 'Cities the shop delivers to'")
        conn.execute("COMMENT ON COLUMN city.population IS 'Inhabitants at the last census'")
        conn.execute("INSERT INTO city VALUES (1, 'Paris', 2100000), (2, 'Lyon', 520000), (3, 'Lille', 236000)")
    url = sa.make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
    yield {"url": url.render_as_string(hide_password=False), "dsn": dsn, "schema": schema}
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
