"""The Chroma client and the collections every index lives in.

Embedded (`PersistentClient` under the data dir) by default, a Chroma server
when a URL is given. Telemetry is off either way. Collections are created
without an embedding function: Chroma's default one downloads a model, and
every vector we store is computed by our own embedder anyway.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings

_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]+")


class StoreError(RuntimeError):
    """The Chroma store cannot be reached or refused a request."""


def collection_name(kind: str, key: str) -> str:
    """A valid Chroma name (3-512 of [a-zA-Z0-9._-], alphanumeric at both
    ends) that is readable and still unique for keys that slug alike."""
    slug = _UNSAFE.sub("_", key).strip("_-")[:48] or "x"
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    return f"{kind}-{slug}-{digest}"


def open_client(path: Path | None = None, url: str | None = None):
    settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        if not parsed.hostname:
            raise StoreError(f"not a Chroma server URL: {url!r}")
        ssl = parsed.scheme == "https"
        port = parsed.port or (443 if ssl else 8000)
        try:
            return chromadb.HttpClient(host=parsed.hostname, port=port, ssl=ssl, settings=settings)
        except Exception as exc:  # the client checks the server at construction
            raise StoreError(f"the Chroma server at {url} is not reachable: {exc}") from exc
    if path is None:
        return chromadb.EphemeralClient(settings=settings)
    Path(path).mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


class ChromaStore:
    """One Chroma client; collections by name, cosine space."""

    def __init__(self, path: Path | None = None, url: str | None = None):
        self.client = open_client(path, url)
        self.location = url or (str(path) if path else "memory")

    @classmethod
    def from_settings(cls, settings) -> "ChromaStore":
        return cls(settings.chroma_path, settings.chroma_url)

    def collection(self, name: str):
        return self.client.get_or_create_collection(
            name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )

    def has(self, name: str) -> bool:
        return name in {c.name for c in self.client.list_collections()}

    def drop(self, name: str) -> None:
        if self.has(name):
            self.client.delete_collection(name)

    def heartbeat(self) -> bool:
        try:
            self.client.heartbeat()
            return True
        except Exception:
            return False
