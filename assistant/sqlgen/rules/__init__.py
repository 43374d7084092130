"""The checks a candidate query goes through, in order.

Like sqlglot's optimizer, the pipeline is one ordered tuple of small named
passes with one signature, `fn(tree, context) -> list[str]`; validate.py runs
them. A `fix` repairs the tree where the intended query is not in doubt; an
`error` goes back to the model; a `doubt` is asked once, and the model may
keep its query. The order matters: table fixes, then the check that every
table exists; column fixes, then the check that every column resolves; then
fixes that restructure a query whose columns all resolve; then errors and
doubts about what the finished query means.

To add a rule: write `rules/<name>.py` with one function `<name>(tree,
context)`, add it here at the stage it belongs to, and give it a trigger in
tests/assistant/sqlgen/rules/test_pipeline.py.
"""

from __future__ import annotations

from assistant.sqlgen.rules.alias_refs import alias_refs
from assistant.sqlgen.rules.base import KINDS, Rule, RuleContext
from assistant.sqlgen.rules.bridge_joins import bridge_joins
from assistant.sqlgen.rules.calendar_names import calendar_names
from assistant.sqlgen.rules.count_columns import count_columns
from assistant.sqlgen.rules.date_arithmetic import date_arithmetic
from assistant.sqlgen.rules.date_windows import date_windows
from assistant.sqlgen.rules.dates_against_numbers import dates_against_numbers
from assistant.sqlgen.rules.days_between_dates import days_between_dates
from assistant.sqlgen.rules.detached_joins import detached_joins
from assistant.sqlgen.rules.epoch_seconds import epoch_seconds
from assistant.sqlgen.rules.equal_holders import equal_holders
from assistant.sqlgen.rules.equal_reads import equal_reads
from assistant.sqlgen.rules.exact_division import exact_division
from assistant.sqlgen.rules.excluded_cases import excluded_cases
from assistant.sqlgen.rules.format_arithmetic import format_arithmetic
from assistant.sqlgen.rules.format_literals import format_literals
from assistant.sqlgen.rules.format_shapes import format_shapes
from assistant.sqlgen.rules.group_keys import group_keys
from assistant.sqlgen.rules.join_keys import join_keys
from assistant.sqlgen.rules.mismatched_keys import mismatched_keys
from assistant.sqlgen.rules.near_names import near_names
from assistant.sqlgen.rules.null_date_calls import null_date_calls
from assistant.sqlgen.rules.one_row_order import one_row_order
from assistant.sqlgen.rules.outer_columns import outer_columns
from assistant.sqlgen.rules.own_id import own_id
from assistant.sqlgen.rules.owner_tables import owner_tables
from assistant.sqlgen.rules.per_item import per_item
from assistant.sqlgen.rules.period_groups import period_groups
from assistant.sqlgen.rules.phantom_tables import phantom_tables
from assistant.sqlgen.rules.ratio_shape import ratio_shape
from assistant.sqlgen.rules.reserved_aliases import reserved_aliases
from assistant.sqlgen.rules.self_joins import self_joins
from assistant.sqlgen.rules.self_ratio import self_ratio
from assistant.sqlgen.rules.text_dates import text_dates
from assistant.sqlgen.rules.unasked_limit import unasked_limit
from assistant.sqlgen.rules.ungrounded_filters import ungrounded_filters
from assistant.sqlgen.rules.unknown_columns import unknown_columns
from assistant.sqlgen.rules.unknown_tables import unknown_tables
from assistant.sqlgen.rules.unused_joins import unused_joins
from assistant.sqlgen.rules.unused_values import unused_values
from assistant.sqlgen.rules.wrong_alias import wrong_alias
from assistant.sqlgen.rules.year_of_a_number import year_of_a_number

RULES: tuple[Rule, ...] = (
    # Tables.
    Rule("reserved_aliases", "fix", reserved_aliases,
         "a keyword used as a table alias (`items is`): quoted where it is defined and used"),
    Rule("phantom_tables", "fix", phantom_tables,
         "an invented table joined only to repeat real ones: dropped, its columns read from their holder"),
    Rule("unknown_tables", "error", unknown_tables,
         "a table the database does not have, with the close names it does have", gate=True),
    # Columns.
    Rule("wrong_alias", "fix", wrong_alias,
         "a column taken from the wrong alias where one table of the SELECT has it"),
    Rule("join_keys", "fix", join_keys,
         "a join on a column one table lacks where one foreign key, role column or close name says what was meant"),
    Rule("own_id", "fix", own_id,
         "a table's own `id` called `<table>_id`, the way other tables refer to it"),
    Rule("near_names", "fix", near_names,
         "a misspelt column with one near-identical name among its tables"),
    Rule("equal_holders", "fix", equal_holders,
         "an ambiguous or wrongly qualified column that the joined tables hold equal"),
    Rule("owner_tables", "fix", owner_tables,
         "a column only one other table holds: that table joined by its one key, or read instead"),
    Rule("bridge_joins", "fix", bridge_joins,
         "a join of two tables related only through one bridge table: the bridge joined in between"),
    Rule("alias_refs", "fix", alias_refs,
         "an output alias read again in its own SELECT: replaced by its expression"),
    Rule("year_of_a_number", "fix", year_of_a_number,
         "the year of an INTEGER column that already holds the year: the column itself"),
    Rule("epoch_seconds", "fix", epoch_seconds,
         "an integer column of UNIX times used as a date: read as a UNIX time"),
    Rule("text_dates", "fix", text_dates,
         "PostgreSQL, DuckDB: a text column of ISO dates used as a date: cast to a date"),
    Rule("exact_division", "fix", exact_division,
         "integer division that truncates where a ratio was asked for: made exact"),
    Rule("format_literals", "fix", format_literals,
         "a formatted date compared with a literal of the wrong shape (2023 for '2023', '4' for '04')"),
    Rule("format_arithmetic", "fix", format_arithmetic,
         "SQLite: a formatted year compared with arithmetic: read as the number it is"),
    Rule("days_between_dates", "fix", days_between_dates,
         "SQLite: one date minus another: julianday, scaled to the hours, minutes or seconds asked for"),
    Rule("unknown_columns", "error", unknown_columns,
         "a column its tables lack or several hold, with where it lives, how tables join, or a close name",
         gate=True),
    # Restructuring a query whose columns all resolve.
    Rule("equal_reads", "fix", equal_reads,
         "a table joined only for a column the joins make equal to another table's: read there instead"),
    Rule("unused_joins", "fix", unused_joins,
         "a table joined but never read, which repeats rows: dropped, or an EXISTS filter if the question names it"),
    Rule("group_keys", "fix", group_keys,
         "a grouped column left out of the output: shown"),
    Rule("unasked_limit", "fix", unasked_limit,
         "an ORDER BY ... LIMIT the question asks for with no number and no top or bottom item: dropped"),
    # Errors in what the query means.
    Rule("self_ratio", "error", self_ratio,
         "a value divided by itself (the same count on both sides of a ratio), always 1"),
    Rule("self_joins", "error", self_joins,
         "a join condition that compares a column with itself, pairing every row with every row"),
    Rule("date_arithmetic", "error", date_arithmetic,
         "SQLite: arithmetic on a date kept as text"),
    Rule("calendar_names", "error", calendar_names,
         "a column of weekday or month names read as a date, or such a name moved by an interval"),
    Rule("outer_columns", "error", outer_columns,
         "a subquery that selects a column only the outer query has, so it returns each row's own value"),
    Rule("format_shapes", "error", format_shapes,
         "a formatted date compared with a date-like literal of another shape"),
    Rule("null_date_calls", "error", null_date_calls,
         "SQLite: a date call on constants that SQLite answers with NULL"),
    Rule("dates_against_numbers", "error", dates_against_numbers,
         "SQLite: a date kept as text compared with a number"),
    # Doubts: asked once.
    Rule("per_item", "doubt", per_item,
         "one total where the question asks for a value per item"),
    Rule("ratio_shape", "doubt", ratio_shape,
         "a ratio of two groups answered as a share of all rows or as all rows over one group, a ratio to "
         "the whole written upside down, or a ratio asked for and nothing divided"),
    Rule("ungrounded_filters", "doubt", ungrounded_filters,
         "a filter on a value the question never mentions"),
    Rule("unused_values", "doubt", unused_values,
         "a value the question names, which the data holds, that the query never uses"),
    Rule("mismatched_keys", "doubt", mismatched_keys,
         "a join that pairs two different things' keys"),
    Rule("detached_joins", "doubt", detached_joins,
         "a join whose condition never mentions the table it joins"),
    Rule("excluded_cases", "doubt", excluded_cases,
         "a conditional count that the WHERE rules out"),
    Rule("count_columns", "doubt", count_columns,
         "rows counted in a table whose rows hold counts"),
    Rule("period_groups", "doubt", period_groups,
         "a value per month, year, week or quarter grouped on the raw date"),
    Rule("date_windows", "doubt", date_windows,
         "'within N days' written as after the span's end"),
    Rule("one_row_order", "doubt", one_row_order,
         "an aggregate without GROUP BY that is sorted: one row where a list was meant"),
)

__all__ = ["KINDS", "RULES", "Rule", "RuleContext"]
