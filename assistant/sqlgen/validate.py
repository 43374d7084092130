"""Checking a candidate against the real schema before it runs.

The SQL is parsed for the connection's dialect (or, failing that, read as
another dialect and transpiled), then qualified with sqlglot against the
introspected schema: unknown tables and columns come back as precise errors
with close matches, which the repair step hands to the model.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.qualify import qualify

from assistant.sqlgen.alias_refs import inline_alias_refs
from assistant.sqlgen.autofix import fix_join_keys, fix_near_names, fix_own_id, fix_qualifiers
from assistant.sqlgen.autofix_joins import bridge_joins, fix_equal_holders, join_owner_tables
from assistant.sqlgen.autofix_types import cast_text_dates, exact_division, read_epoch_seconds, year_of_a_number
from assistant.sqlgen.count_columns import count_columns
from assistant.sqlgen.date_formats import fix_format_arithmetic, fix_format_literals, format_shape_problems
from assistant.sqlgen.date_windows import date_windows
from assistant.sqlgen.detached_joins import detached_joins
from assistant.sqlgen.excluded_cases import excluded_cases
from assistant.sqlgen.join_paths import join_path_hint
from assistant.sqlgen.key_mismatch import mismatched_keys
from assistant.sqlgen.literal_grounding import ungrounded_filters
from assistant.sqlgen.period_groups import period_groups
from assistant.sqlgen.phantom_tables import drop_phantom_joins
from assistant.sqlgen.ratio_shape import ratio_problems
from assistant.sqlgen.reserved_aliases import quote_in_text, quote_in_tree
from assistant.sqlgen.result_shape import drop_unasked_limit, per_item_problems, show_group_keys
from assistant.sqlgen.scope import resolve_tables, scope_tables
from assistant.sqlgen.semantic_checks import days_between_dates, semantic_problems
from assistant.sqlgen.sqlite_date_values import dates_against_numbers, null_date_calls
from assistant.sqlgen.unused_joins import drop_unused_joins
from connectors.types import SchemaInfo, TableInfo

OTHER_DIALECTS = ("mysql", "postgres", "sqlite", "duckdb", "tsql")
CASE_INSENSITIVE = {"sqlite", "mysql", "duckdb"}


@dataclass
class Validation:
    sql: str | None
    errors: list[str] = field(default_factory=list)
    transpiled_from: str | None = None
    fixes: list[str] = field(default_factory=list)  # mechanical repairs made (autofix)
    # Likely but not certain mistakes: worth one question to the model, not a refusal.
    doubts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.sql is not None and not self.errors


def _parse(sql: str, dialect: str) -> tuple[exp.Expression | None, str | None, str | None]:
    """The tree, the dialect it was read as (if not the target), or the parse error."""
    try:
        trees = [t for t in sqlglot.parse(sql, read=dialect) if t is not None]
        if len(trees) == 1:
            return trees[0], None, None
        return None, None, f"expected one statement, found {len(trees)}"
    except (SqlglotError, RecursionError, ValueError) as exc:  # ParseError, TokenError (an unclosed quote)
        first_error = str(exc).splitlines()[0]
    for other in OTHER_DIALECTS:
        if other == dialect:
            continue
        try:
            trees = [t for t in sqlglot.parse(sql, read=other) if t is not None]
        except (SqlglotError, RecursionError, ValueError):
            continue
        if len(trees) == 1:
            return trees[0], other, None
    return None, None, f"syntax error: {first_error}"


def schema_mapping(schema: SchemaInfo) -> dict[str, dict[str, str]]:
    lower = schema.dialect in CASE_INSENSITIVE
    return {
        (t.name.lower() if lower else t.name): {(c.name.lower() if lower else c.name): "TEXT" for c in t.columns}
        for t in schema.tables
    }


def _table_errors(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    known = {t.name.lower(): t.name for t in schema.tables}
    errors = []
    for table in tree.find_all(exp.Table):
        name = table.name
        if not name or name.lower() in ctes or name.lower() in known:
            continue
        close = difflib.get_close_matches(name.lower(), list(known), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(known[c] for c in close)}?" if close else ""
        errors.append(f"table {name} does not exist{hint}")
    return sorted(set(errors))


def _missing_column(message: str) -> str | None:
    if "Column '" in message:
        return message.split("Column '", 1)[1].split("'", 1)[0]
    if message.startswith("Unknown column:"):
        return message.split(":", 1)[1].strip().split()[0].strip("'\"")
    return None


def _owners_note(column: str, owners: list[str]) -> str:
    return f"; {column} is a column of {', '.join(owners)}" if owners else ""


def _qualified_hint(ref: exp.Column, info: TableInfo, owners: list[str], schema: SchemaInfo) -> str:
    """`alias.column` where the alias's table lacks the column; in a join condition, how
    the two tables do join."""
    column = ref.name
    head = f"table {info.name} (as {ref.table}) has no column {column}"
    condition = ref.find_ancestor(exp.EQ)
    if condition is not None and ref.find_ancestor(exp.Join) is not None:
        other = condition.expression if condition.this is ref else condition.this
        tables = resolve_tables(other, schema) if isinstance(other, exp.Column) else None
        if tables and len(tables) == 1 and tables[0] is not info:
            path = join_path_hint(info, tables[0], schema)
            if path:
                return f"{head}{_owners_note(column, owners)}; {path}"
    close = difflib.get_close_matches(column, [c.name for c in info.columns], n=3, cutoff=0.6)
    near = f"; did you mean {ref.table}.{close[0]}?" if close else ""
    return head + _owners_note(column, owners) + near


def _unqualified_hint(column: str, infos: list[TableInfo], owners: list[str]) -> str:
    names = ", ".join(info.name for info in infos)
    head = f"{'table' if len(infos) == 1 else 'tables'} {names} {'has' if len(infos) == 1 else 'have'} no column {column}"
    if owners:
        return head + _owners_note(column, owners)
    close = difflib.get_close_matches(column, [c.name for info in infos for c in info.columns], n=3, cutoff=0.6)
    return f"{head}; did you mean {', '.join(close)}?" if close else head


def _ambiguous_hint(ref: exp.Column, schema: SchemaInfo) -> str:
    tables = scope_tables(ref.find_ancestor(exp.Select))
    holders = [f"{alias}.{ref.name}" for alias, name in tables.items()
               if (info := schema.table(name)) is not None and info.column(ref.name) is not None]
    return (f"column {ref.name} is ambiguous: it could be {' or '.join(holders)}; "
            f"write the one the question means")


def _column_hint(message: str, tree: exp.Expression, schema: SchemaInfo) -> str:
    """Say which table lacks the column, where it does exist, or what it is close to,
    judged in the SELECT where the column is used (a CTE reads other tables than
    the query around it)."""
    column = _missing_column(message)
    if column is None:
        return message
    owners = [t.name for t in schema.tables if t.column(column)]
    for ref in tree.find_all(exp.Column):
        if ref.name.lower() != column.lower():
            continue
        infos = resolve_tables(ref, schema)
        holders = [info for info in infos or [] if info.column(column) is not None]
        if not ref.table and len(holders) > 1:
            return _ambiguous_hint(ref, schema)
        if not infos or holders:
            continue
        if ref.table:
            return _qualified_hint(ref, infos[0], owners, schema)
        return _unqualified_hint(column, infos, owners)
    head = f"column {column} does not exist in the tables used"
    return head + _owners_note(column, owners)


def validate_sql(sql: str, schema: SchemaInfo, question: str = "") -> Validation:
    """Check `sql` against `schema`, making the certain fixes; `question`, when given,
    is checked against the shape of the result."""
    dialect = schema.dialect
    tree, read_as, error = _parse(sql, dialect)
    fixes = []
    if tree is None and (requoted := quote_in_text(sql)) is not None:
        tree, read_as, _ = _parse(requoted, dialect)
        fixes.append("a reserved word used as a table alias: quoted")
    if tree is None:
        return Validation(sql=None, errors=[error or "unparseable"])
    fixes += quote_in_tree(tree) + drop_phantom_joins(tree, schema)
    text = tree.sql(dialect=dialect) if read_as or fixes else sql
    table_errors = _table_errors(tree, schema)
    if table_errors:
        return Validation(sql=text, errors=table_errors, transpiled_from=read_as, fixes=fixes)
    fixes += (fix_qualifiers(tree, schema) + fix_join_keys(tree, schema) + fix_own_id(tree, schema)
             + fix_near_names(tree, schema) + fix_equal_holders(tree, schema) + join_owner_tables(tree, schema)
             + bridge_joins(tree, schema) + inline_alias_refs(tree, schema)
             + year_of_a_number(tree, schema) + read_epoch_seconds(tree, schema) + cast_text_dates(tree, schema) + exact_division(tree, dialect)
             + fix_format_literals(tree, dialect) + fix_format_arithmetic(tree, dialect)
             + days_between_dates(tree, schema, question))
    if fixes:
        text = tree.sql(dialect=dialect)
    try:
        qualify(tree.copy(), schema=schema_mapping(schema), dialect=dialect, validate_qualify_columns=True,
                identify=False)
    except OptimizeError as exc:
        return Validation(sql=text, errors=[_column_hint(str(exc), tree, schema)], transpiled_from=read_as,
                          fixes=fixes)
    except SqlglotError:
        pass  # a construct the qualifier does not model: the database will judge it
    # Only a query whose columns all resolve is restructured.
    restructured = drop_unused_joins(tree, schema, question) + show_group_keys(tree) + drop_unasked_limit(tree, question)
    if restructured:
        fixes += restructured
        text = tree.sql(dialect=dialect)
    errors = (semantic_problems(tree, schema) + format_shape_problems(tree, dialect)
              + null_date_calls(tree, dialect) + dates_against_numbers(tree, schema))
    return Validation(sql=text, errors=errors, transpiled_from=read_as, fixes=fixes,
                      doubts=per_item_problems(tree, question) + ratio_problems(tree, question)
                      + ungrounded_filters(tree, question) + mismatched_keys(tree, schema)
                      + detached_joins(tree, schema) + excluded_cases(tree)
                      + count_columns(tree, schema) + period_groups(tree, schema, question)
                      + date_windows(tree, question))
