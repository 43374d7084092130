"""PostgreSQL catalog, read in bulk from pg_catalog: one query each for
relations, columns, keys and indexes over every introspected schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .introspect import assemble
from .types import TableInfo

if TYPE_CHECKING:
    from .base import Connector, Handle

# Relations: tables, partitioned tables, views, materialized views, foreign tables.
_KINDS = "('r', 'p', 'v', 'm', 'f')"

DEFAULT_SCHEMAS = "SELECT unnest(current_schemas(false))"
# When the search path holds no table, every schema that does and that the role
# may use: a database kept in its own schema (`sales.orders`) is not empty to
# the user just because that schema is not on the search path.
SCHEMAS_WITH_TABLES = """
SELECT n.nspname FROM pg_namespace n
WHERE n.nspname NOT IN ('information_schema', 'pg_catalog') AND left(n.nspname, 3) <> 'pg_'
  AND has_schema_privilege(n.oid, 'USAGE')
  AND EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'v', 'm', 'p', 'f'))
  AND (%(only)s::text[] IS NULL OR n.nspname = ANY(%(only)s))
ORDER BY n.nspname
"""

_TABLES = f"""
SELECT n.nspname, c.relname,
       CASE WHEN c.relkind IN ('v', 'm') THEN 'view' ELSE 'table' END,
       CASE WHEN c.relkind IN ('r', 'p', 'm') AND c.reltuples >= 0 THEN c.reltuples::bigint END,
       d.description
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
WHERE c.relkind IN {_KINDS} AND NOT c.relispartition AND n.nspname = ANY(%(schemas)s)
"""

_COLUMNS = f"""
SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
       NOT a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), d.description, a.attnum
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN {_KINDS} AND NOT c.relispartition AND n.nspname = ANY(%(schemas)s)
"""  # ordered in Python: a server-side sort of these wide rows spills to disk

# Key columns come back as names, in key order, for both ends of a foreign key.
_CONSTRAINTS = """
SELECT n.nspname, c.relname, con.contype,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
             ORDER BY k.ord),
       fn.nspname, fc.relname,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
             ORDER BY k.ord)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE con.contype IN ('p', 'f') AND n.nspname = ANY(%(schemas)s)
ORDER BY n.nspname, c.relname, con.conname
"""

_INDEXES = """
SELECT n.nspname, c.relname, ic.relname, i.indisunique,
       ARRAY(SELECT COALESCE(a.attname, pg_get_indexdef(i.indexrelid, k.ord::int, true))
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, ord)
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num AND k.num > 0
             WHERE k.ord <= i.indnkeyatts
             ORDER BY k.ord)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s)
ORDER BY n.nspname, c.relname, ic.relname
"""

# Catalog row versions, hashed by the server into one row. Any DDL or
# COMMENT on the introspected schemas inserts, deletes or updates one of these
# rows and so changes its xmin; ANALYZE and VACUUM update pg_class in place and
# leave it alone. Cheaper than deparsing definitions (no pg_get_*def calls).
FINGERPRINT = """
WITH rel AS (
  SELECT c.oid, c.xmin FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY(%(schemas)s)
)
SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
  SELECT 'r' || oid || ':' || xmin AS x FROM rel
  UNION ALL
  SELECT 'a' || a.attrelid || '.' || a.attnum || ':' || a.xmin FROM pg_attribute a JOIN rel ON rel.oid = a.attrelid
  UNION ALL
  SELECT 'd' || d.adrelid || '.' || d.adnum || ':' || d.xmin FROM pg_attrdef d JOIN rel ON rel.oid = d.adrelid
  UNION ALL
  SELECT 'k' || k.oid || ':' || k.xmin FROM pg_constraint k JOIN rel ON rel.oid = k.conrelid
  UNION ALL
  SELECT 'c' || d.objoid || '.' || d.objsubid || ':' || d.xmin FROM pg_description d JOIN rel ON rel.oid = d.objoid
  WHERE d.classoid = 'pg_class'::regclass
) AS parts
"""


def schemas_of(connector: Connector, handle: Handle) -> list[str]:
    if connector.schemas:
        return list(connector.schemas)
    path = [row[0] for row in connector.query(handle, DEFAULT_SCHEMAS)]
    if connector.query(handle, SCHEMAS_WITH_TABLES, {"only": path}):
        return path
    return [row[0] for row in connector.query(handle, SCHEMAS_WITH_TABLES, {"only": None})] or path


def read_catalog(connector: Connector, handle: Handle) -> list[TableInfo]:
    schemas = schemas_of(connector, handle)
    # Later sessions search these schemas, so the unqualified names the model
    # sees in the schema text resolve when the query runs.
    connector.search_path = schemas
    params = {"schemas": schemas}
    tables = connector.query(handle, _TABLES, params)
    rows = sorted(connector.query(handle, _COLUMNS, params), key=lambda r: (r[0], r[1], r[7]))
    columns = [row[:7] for row in rows]
    primary_keys, foreign_keys = [], []
    for schema, table, kind, cols, ref_schema, ref_table, ref_cols in connector.query(handle, _CONSTRAINTS, params):
        if kind == "p":
            primary_keys.append((schema, table, cols))
        else:
            foreign_keys.append((schema, table, cols, ref_schema, ref_table, ref_cols))
    indexes = [
        (schema, table, name, cols, unique)
        for schema, table, name, unique, cols in connector.query(handle, _INDEXES, params)
    ]
    return assemble(tables, columns, primary_keys, foreign_keys, indexes)


def fingerprint_rows(connector: Connector, handle: Handle) -> list[tuple]:
    schemas = schemas_of(connector, handle)
    return [tuple(schemas)] + connector.query(handle, FINGERPRINT, {"schemas": schemas})
