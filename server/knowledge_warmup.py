"""Each database's knowledge synced in the background as soon as the database is
known: at start-up for the demo and the registered connections, and when a
connection is added, changed or refreshed.

A sync builds the schema index (embedding the table descriptions, which first
loads the embedding model) and the value index (the distinct values of the
text columns): seconds on a small database, longer on a large one. The
questions on a database whose schema is too large to show whole wait for it
at the first of them, since the linker that picks their tables reads these
indexes; such databases are synced here. A schema the prompt shows whole is
left alone (its questions never ask the linker, and the embedding model is
not loaded for nothing); the knowledge routes sync it when asked. One worker
thread does the syncs one after another, so the machine's cores stay free for
the model;
a question that comes while its database is being synced waits for that sync
(Knowledge.sync takes one lock per connection) instead of starting another.
A sync that fails is logged and left to the first question, which reports it.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from assistant.sqlgen.full import uses_linker

log = logging.getLogger(__name__)


class KnowledgeWarmup:
    def __init__(self, databases, knowledge, *, enabled: bool = True):
        self.databases = databases
        self.knowledge = knowledge
        self.enabled = enabled
        self._pool: ThreadPoolExecutor | None = None
        self._pending: set[str] = set()
        self._lock = threading.Lock()

    def warm(self, name: str) -> Future | None:
        """Sync `name`'s knowledge in the background; None when warm-up is off or a sync of
        it is already waiting to run."""
        if not self.enabled:
            return None
        with self._lock:
            if name in self._pending:
                return None
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="knowledge-warmup")
            self._pending.add(name)
            return self._pool.submit(self._sync, name)

    def warm_all(self) -> list[Future]:
        """Every database the server knows, the demo first."""
        return [f for name in self.databases.names() if (f := self.warm(name)) is not None]

    def _sync(self, name: str) -> bool:
        """True when the database was synced; False when it needs no sync or the sync failed."""
        with self._lock:
            self._pending.discard(name)  # a change from here on asks for another sync
        try:
            connector = self.databases.connector(name)
            schema = connector.introspect()
            if not uses_linker(schema):
                return False
            self.knowledge.sync(name, schema, connector)
            return True
        except Exception:  # the first question on it will sync and say what is wrong
            log.warning("background sync of '%s' failed", name, exc_info=True)
            return False

    def close(self) -> None:
        """Drop the syncs not yet started and wait for the one running (it holds the knowledge store)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
