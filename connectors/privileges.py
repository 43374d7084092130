"""Privileges of the connected account that reach past the read-only layers.

A read-only transaction does not stop a PostgreSQL superuser's COPY ... TO
PROGRAM or a MariaDB account's SELECT ... INTO OUTFILE (docs/architecture.md):
then only the statement guard stands in the way. This names such privileges
so that the user can be warned, or the account refused, before any question
is asked. SQLite and DuckDB have no accounts: whoever can open the file has
all of it, and the connectors open it read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .base import Connector, Handle


@dataclass(frozen=True)
class Privilege:
    """One dangerous privilege: its name as the engine spells it, and why it matters."""

    name: str
    reason: str


_POSTGRES_REASONS = {
    "superuser": "a superuser passes every permission check: it can read and write server files, "
                 "run programs with COPY ... TO PROGRAM and change any data, even in a read-only transaction.",
    "createrole": "CREATEROLE can create roles and grant itself membership in others, "
                  "including those that read server files or run programs.",
    "pg_read_server_files": "members read any file the database server can read (pg_read_file, COPY FROM a file).",
    "pg_write_server_files": "members write files on the database server (COPY TO a file, lo_export).",
    "pg_execute_server_program": "members run programs on the database server as its operating-system user "
                                 "(COPY ... PROGRAM).",
    "pg_signal_backend": "members cancel and terminate other sessions' queries.",
}

_POSTGRES_ATTRIBUTES = "SELECT rolsuper, rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = session_user"
# Only roles that exist are asked about, so an older server does not raise.
_POSTGRES_ROLES = (
    "SELECT g.rolname FROM pg_catalog.pg_roles g WHERE g.rolname = ANY(%s) "
    "AND pg_catalog.pg_has_role(session_user, g.oid, 'MEMBER') ORDER BY g.rolname"
)

_MYSQL_REASONS = {
    "ALL PRIVILEGES": "every global privilege, FILE and SUPER among them.",
    "FILE": "reads and writes files on the database server (LOAD_FILE, SELECT ... INTO OUTFILE) "
            "wherever secure_file_priv allows, even in a read-only transaction.",
    "SUPER": "bypasses read_only, kills other sessions and changes global server settings.",
}
_GLOBAL_GRANT = " ON *.* TO "


def dangerous_privileges(connector: Connector) -> list[Privilege]:
    """The connected account's privileges that reach past the database's own data.

    Contract: returns one Privilege per dangerous privilege the account holds,
    directly or through a role, in a stable order; an empty list means none
    was found, and is always the answer for SQLite and DuckDB. Implied
    privileges are listed too (a superuser is also a member of
    pg_execute_server_program; ALL PRIVILEGES brings FILE and SUPER), so a
    caller may look for any one name. Only catalog reads are made, in one
    read-only session of the connector. Raises ConnectorError when the
    database cannot be reached. MySQL 8 roles that are granted but not active
    in the session are not seen.
    """
    reader = _READERS.get(connector.dialect)
    if reader is None:
        return []
    with connector.session(None) as handle:
        names = reader(connector, handle)
    reasons = _POSTGRES_REASONS if connector.dialect == "postgres" else _MYSQL_REASONS
    return [Privilege(name, reasons[name]) for name in reasons if name in names]


def _postgres(connector: Connector, handle: Handle) -> set[str]:
    names: set[str] = set()
    for superuser, createrole in connector.query(handle, _POSTGRES_ATTRIBUTES):
        names |= {"superuser"} if superuser else set()
        names |= {"createrole"} if createrole else set()
    roles = [name for name in _POSTGRES_REASONS if name.startswith("pg_")]
    names |= {row[0] for row in connector.query(handle, _POSTGRES_ROLES, (roles,))}
    return names


def _mysql(connector: Connector, handle: Handle) -> set[str]:
    # SHOW GRANTS also lists what the session's active role holds (MariaDB).
    names: set[str] = set()
    for (grant,) in connector.query(handle, "SHOW GRANTS"):
        grant = str(grant)
        if grant.startswith("GRANT ") and _GLOBAL_GRANT in grant:
            listed = grant[len("GRANT "): grant.index(_GLOBAL_GRANT)]
            names |= {part.strip().upper() for part in listed.split(",")}
    if "ALL" in names or "ALL PRIVILEGES" in names:
        names |= set(_MYSQL_REASONS)
    return names


_READERS: dict[str, Callable[[Connector, Handle], set[str]]] = {"postgres": _postgres, "mysql": _mysql}
