"""Errors callers catch, importable without loading Chroma or llama-index."""

from __future__ import annotations


class SpaceError(ValueError):
    """An invalid space name."""


class SpaceNotFound(SpaceError):
    """No space of that name."""


class ExampleError(ValueError):
    """A verified pair was refused (empty question, SQL that does not parse)."""
