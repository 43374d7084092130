"""SQLite catalog, read in bulk: the pragma table-valued functions joined over
sqlite_master, one query per kind of fact for the whole database."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from .introspect import assemble
from .types import TableInfo

if TYPE_CHECKING:
    from .base import Connector, Handle

_OBJECTS = """
SELECT m.type, m.name FROM sqlite_master AS m
WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
ORDER BY m.name
"""

_COLUMNS = """
SELECT m.name, p.name, p.type, p."notnull", p.dflt_value, p.pk, p.hidden
FROM sqlite_master AS m JOIN pragma_table_xinfo(m.name) AS p
WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
ORDER BY m.name, p.cid
"""

_FOREIGN_KEYS = """
SELECT m.name, f.id, f.seq, f."table", f."from", f."to"
FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS f
WHERE m.type = 'table'
ORDER BY m.name, f.id, f.seq
"""

_INDEXES = """
SELECT m.name, il.name, il."unique", ii.seqno, ii.name
FROM sqlite_master AS m
JOIN pragma_index_list(m.name) AS il
JOIN pragma_index_info(il.name) AS ii
WHERE m.type = 'table'
ORDER BY m.name, il.name, ii.seqno
"""

_HAS_STAT1 = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
_STAT1 = "SELECT tbl, stat FROM sqlite_stat1 WHERE idx IS NULL OR idx = tbl OR idx LIKE 'sqlite_autoindex%'"

FINGERPRINT = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"


def read_catalog(connector: Connector, handle: Handle) -> list[TableInfo]:
    objects = connector.query(handle, _OBJECTS)
    estimates = _stat1_estimates(connector, handle)
    tables = [(None, name, kind, estimates.get(name), None) for kind, name in objects]

    columns = []
    pk_parts: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for table, name, type_, notnull, default, pk, hidden in connector.query(handle, _COLUMNS):
        if hidden == 1:  # columns of virtual tables that are not part of the row
            continue
        columns.append((None, table, name, type_ or "", not notnull, default, None))
        if pk:
            pk_parts[table].append((pk, name))
    primary_keys = [(None, t, [n for _, n in sorted(parts)]) for t, parts in pk_parts.items()]

    fk_groups: dict[tuple[str, int], list[tuple[str, str, str | None]]] = defaultdict(list)
    for table, fk_id, _seq, ref_table, source, target in connector.query(handle, _FOREIGN_KEYS):
        fk_groups[(table, fk_id)].append((ref_table, source, target))
    pk_of = {t: cols for _, t, cols in primary_keys}
    foreign_keys = []
    for (table, _), parts in fk_groups.items():
        ref_table = parts[0][0]
        sources = [p[1] for p in parts]
        # "REFERENCES t" without columns points at t's primary key
        targets = [p[2] for p in parts] if all(p[2] for p in parts) else pk_of.get(ref_table, [])
        foreign_keys.append((None, table, sources, None, ref_table, targets))

    index_groups: dict[tuple[str, str], tuple[bool, list[str]]] = {}
    for table, index, unique, _seq, column in connector.query(handle, _INDEXES):
        entry = index_groups.setdefault((table, index), (bool(unique), []))
        entry[1].append(column if column is not None else "(expression)")
    indexes = [(None, t, name, cols, unique) for (t, name), (unique, cols) in index_groups.items()]
    return assemble(tables, columns, primary_keys, foreign_keys, indexes)


def _stat1_estimates(connector: Connector, handle: Handle) -> dict[str, int]:
    if not connector.query(handle, _HAS_STAT1):
        return {}
    estimates: dict[str, int] = {}
    for table, stat in connector.query(handle, _STAT1):
        first = str(stat or "").split(" ")[0]
        if first.isdigit():
            estimates[table] = max(estimates.get(table, 0), int(first))
    return estimates
