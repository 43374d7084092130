"""Knowledge spaces: named collections of the user's documents.

Adding a file hashes its bytes first: the same content again is a no-op, new
content replaces the old chunks only once the new ones are stored, and a file
that cannot be read leaves nothing of itself in the index (a previously good
version stays). Each chunk carries the file, its title and its location for
citations.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select, update

from knowledge.errors import SpaceError, SpaceNotFound
from knowledge.index import Hit, HybridIndex, Item
from knowledge.loaders import DocumentError, LoadedFile, check_file, load_file
from knowledge.registry import DOCUMENTS, SPACES, Registry
from knowledge.store import ChromaStore, collection_name

_SPACE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,62}$")


@dataclass
class FileResult:
    path: str
    state: str  # added | replaced | unchanged | failed
    chunks: int = 0
    error: str | None = None
    error_kind: str | None = None

    def to_dict(self) -> dict:
        return {"path": self.path, "state": self.state, "chunks": self.chunks, "error": self.error,
                "error_kind": self.error_kind}


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _chunk_ids(key: str, digest: str, count: int) -> list[str]:
    """Ids that differ between versions of a file and between two files of equal content."""
    stem = hashlib.sha256(f"{key}\0{digest}".encode()).hexdigest()[:20]
    return [f"{stem}:{i}" for i in range(count)]


class DocumentSpaces:
    def __init__(self, registry: Registry, store: ChromaStore, embedder, *, chunk_size: int = 1000,
                 chunk_overlap: int = 150, max_bytes: int = 50_000_000):
        if chunk_overlap >= chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        self.registry = registry
        self.store = store
        self.embedder = embedder
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.max_bytes = max_bytes
        self._indexes: dict[str, HybridIndex] = {}

    # Spaces --------------------------------------------------------------------
    def create(self, name: str, description: str = "") -> dict:
        if not _SPACE_NAME.match(name):
            raise SpaceError(
                "a space name is 1-63 letters, digits, spaces, '_', '.' or '-', starting with a letter or digit")
        self.registry.execute(self.registry.insert(SPACES).values(name=name, description=description,
                                                                  created_at=time.time()).on_conflict_do_nothing())
        return self.get(name)

    def get(self, name: str) -> dict:
        indexed = (DOCUMENTS.c.space == SPACES.c.name) & (DOCUMENTS.c.state == "indexed")
        row = self.registry.one(
            select(SPACES.c.name, SPACES.c.description, SPACES.c.created_at,
                   func.count(DOCUMENTS.c.path).label("documents"),
                   func.coalesce(func.sum(DOCUMENTS.c.chunks), 0).label("chunks"))
            .select_from(SPACES.outerjoin(DOCUMENTS, indexed)).where(SPACES.c.name == name)
            .group_by(SPACES.c.name, SPACES.c.description, SPACES.c.created_at))
        if row is None:
            raise SpaceNotFound(f"no knowledge space named '{name}'")
        return row

    def names(self) -> list[str]:
        return [r["name"] for r in self.registry.rows(select(SPACES.c.name).order_by(SPACES.c.name))]

    def list(self) -> list[dict]:
        return [self.get(name) for name in self.names()]

    def drop(self, name: str) -> None:
        self.get(name)
        self.store.drop(collection_name("space", name))
        self._indexes.pop(name, None)
        with self.registry.transaction() as db:
            db.execute(delete(DOCUMENTS).where(DOCUMENTS.c.space == name))
            db.execute(delete(SPACES).where(SPACES.c.name == name))

    def index(self, name: str) -> HybridIndex:
        if name not in self._indexes:
            self.get(name)
            self._indexes[name] = HybridIndex(self.store, collection_name("space", name), self.embedder)
        return self._indexes[name]

    # Documents -----------------------------------------------------------------
    def documents(self, space: str) -> list[dict]:
        self.get(space)
        return self.registry.rows(select(DOCUMENTS).where(DOCUMENTS.c.space == space).order_by(DOCUMENTS.c.path))

    def _chunks(self, loaded: LoadedFile, key: str, digest: str) -> list[Item]:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=self.chunk_size, chunk_overlap=self.chunk_overlap)
        items: list[Item] = []
        for section in loaded.sections:
            for piece in splitter.split_text(section.text):
                meta = {"path": key, "title": loaded.title, "location": section.location or loaded.title,
                        "kind": loaded.kind, "chunk": len(items), **section.metadata}
                # The title travels with the text into the embedding: pages are often about their title.
                items.append(Item(id="", text=piece, metadata=meta, group=key,
                                  embed_text=f"{loaded.title}: {section.location}\n{piece}"))
        for item, chunk_id in zip(items, _chunk_ids(key, digest, len(items))):
            item.id = chunk_id
        return items

    def add_file(self, space: str, path: Path | str, *, key: str | None = None) -> FileResult:
        """Index one file; `key` is how it is named in citations (default: its path)."""
        path = Path(path)
        key = key or str(path.resolve())
        index = self.index(space)
        before = self._document(space, key)
        try:
            check_file(path, self.max_bytes)
            digest = file_hash(path)
            if before and before["state"] == "indexed" and before["hash"] == digest:
                return FileResult(key, "unchanged", before["chunks"])
            loaded = load_file(path, max_bytes=self.max_bytes)
            items = self._chunks(loaded, key, digest)
            try:
                index.upsert(items)
            except Exception as exc:
                index.delete([i.id for i in items])  # nothing half-indexed
                raise DocumentError("index", f"storing the chunks failed: {exc}") from exc
        except DocumentError as exc:
            self._record_failure(space, key, before, exc)
            return FileResult(key, "failed", 0, exc.message, exc.kind)
        if before and before["state"] == "indexed":
            stale = set(_chunk_ids(key, before["hash"], before["chunks"])) - {i.id for i in items}
            index.delete(sorted(stale))
        self._put_document(space, key, hash=digest, state="indexed", chunks=len(items), bytes=path.stat().st_size,
                           error=None, updated_at=time.time())
        return FileResult(key, "replaced" if before and before["state"] == "indexed" else "added", len(items))

    def _record_failure(self, space: str, key: str, before: dict | None, exc: DocumentError) -> None:
        if before and before["state"] == "indexed":
            # The good version stays searchable; the failed attempt is noted.
            self.registry.execute(update(DOCUMENTS).where(*self._key(space, key)).values(error=str(exc)))
            return
        self._put_document(space, key, hash="", state="failed", chunks=0, bytes=0, error=str(exc),
                           updated_at=time.time(), keep=("hash", "chunks", "bytes"))

    @staticmethod
    def _key(space: str, key: str) -> tuple:
        return DOCUMENTS.c.space == space, DOCUMENTS.c.path == key

    def _document(self, space: str, key: str) -> dict | None:
        return self.registry.one(select(DOCUMENTS).where(*self._key(space, key)))

    def _put_document(self, space: str, key: str, *, keep: tuple[str, ...] = (), **values) -> None:
        """Insert the document's row, or update it; the columns in `keep` keep their stored values."""
        statement = self.registry.insert(DOCUMENTS).values(space=space, path=key, **values)
        self.registry.execute(statement.on_conflict_do_update(
            index_elements=[DOCUMENTS.c.space, DOCUMENTS.c.path],
            set_={name: statement.excluded[name] for name in values if name not in keep}))

    def delete_file(self, space: str, key: str) -> bool:
        row = self._document(space, key)
        if row is None:
            return False
        self.index(space).delete_group(key)
        self.registry.execute(delete(DOCUMENTS).where(*self._key(space, key)))
        return True

    def search(self, space: str, query: str, k: int = 5, *, filters: dict | None = None,
               query_embedding: list[float] | None = None) -> list[Hit]:
        index = self.index(space)
        index.follow(tuple(self.registry.one(
            select(func.count(), func.max(DOCUMENTS.c.updated_at)).where(DOCUMENTS.c.space == space)).values()))
        return index.search(query, k, filters=filters, query_embedding=query_embedding)
