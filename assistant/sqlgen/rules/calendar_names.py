"""A column of weekday or month names read as a date.

`strftime('%w', day)` on a column holding 'Monday': PostgreSQL refuses it,
SQLite quietly answers NULL. So is a name moved by an interval. The model is
told to compare with such names instead.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.values import holds_calendar_names, seen_values
from assistant.sqlgen.rules.base import RuleContext
from knowledge.text import calendar_name_kind

_DATE_READERS = (exp.Extract, exp.TimeToStr, exp.TimestampTrunc, exp.DateTrunc, exp.Date, exp.TsOrDsToDate,
                 exp.TsOrDsToTimestamp, exp.DayOfWeek, exp.DayOfMonth, exp.Month, exp.Year)


def _reads_a_date(ref: exp.Column) -> bool:
    parent = ref.parent
    if isinstance(parent, exp.Cast):
        return parent.to.is_type(*exp.DataType.TEMPORAL_TYPES)
    return isinstance(parent, _DATE_READERS)


def calendar_names(tree: exp.Expression, context: RuleContext) -> list[str]:
    dialect = context.dialect
    problems = []
    for ref in tree.find_all(exp.Column):
        if not _reads_a_date(ref):
            continue
        info, column = context.scopes.column_of(ref)
        kind = holds_calendar_names(info, column) if column is not None else None
        if kind is None:
            continue
        examples = ", ".join(f"'{v}'" for v in list(dict.fromkeys(seen_values(info, column)))[:3])
        problems.append(f"{ref.sql(dialect=dialect)} holds {kind} names ({examples}), not dates: compare it "
                        f"with such names instead of reading a date from it")
    for node in tree.find_all(exp.Add, exp.Sub):
        sides = (node.this, node.expression)
        names = [s for s in sides if isinstance(s, exp.Literal) and s.is_string and calendar_name_kind(s.this)]
        if names and any(isinstance(s, exp.Interval) for s in sides):
            problems.append(f"{node.sql(dialect=dialect)} moves a {calendar_name_kind(names[0].this)} name "
                            f"by an interval, which is not a date; write the {calendar_name_kind(names[0].this)} "
                            f"it means by name")
    return problems
