"""Fixtures shared by every test folder that needs real knowledge parts."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def embedder():
    """The bundled all-MiniLM-L6-v2, loaded once per session, offline."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from knowledge.embeddings import load_local_embedder

    return load_local_embedder(batch_size=32)
