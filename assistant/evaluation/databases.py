"""Open the databases of an evaluation: a folder of SQLite files, `<db_name>.sqlite`.

One guarded, read-only connector per database, opened on first use and kept
for the whole run, so gold and predicted SQL go through the same execution
path and nothing can write. Another kind of database (a benchmark's
PostgreSQL server) plugs in by overriding `url`.
"""

from __future__ import annotations

from pathlib import Path

from connectors import Connector, connect

ROW_LIMIT = 100_000  # far above any gold result; a prediction past it is wrong anyway
TIMEOUT_S = 30.0


class EvalDatabases:
    """The evaluation databases of one folder, by the `db_name` of the questions."""

    dialect = "sqlite"

    def __init__(self, db_dir: str | Path, *, row_limit: int = ROW_LIMIT, timeout_s: float = TIMEOUT_S):
        self.db_dir = Path(db_dir)
        self.row_limit = row_limit
        self.timeout_s = timeout_s
        self._open: dict[str, Connector] = {}

    def url(self, db_name: str) -> str:
        """The connector URL of `db_name`."""
        path = self.db_dir / f"{db_name}.sqlite"
        if not path.is_file():
            raise FileNotFoundError(f"no SQLite database for {db_name!r} at {path}")
        return f"sqlite:///{path.resolve()}"  # the connector opens it read-only (mode=ro)

    def get(self, db_name: str) -> Connector:
        if db_name not in self._open:
            self._open[db_name] = connect(self.url(db_name), row_limit=self.row_limit, timeout_s=self.timeout_s)
        return self._open[db_name]

    def close(self) -> None:
        while self._open:
            _, conn = self._open.popitem()
            conn.close()

    def __enter__(self) -> EvalDatabases:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
