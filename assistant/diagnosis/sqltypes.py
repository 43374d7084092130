"""Type families of columns and expressions, enough to spot comparisons of unlike things."""

from __future__ import annotations

import re

from sqlglot import exp

NUMERIC, TEXT, TEMPORAL, BOOLEAN, BINARY, JSON = "numeric", "text", "temporal", "boolean", "binary", "json"

_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
_DATE = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*([+-]\d{2}(:?\d{2})?|Z)?\s*$")
_TIME = re.compile(r"^\s*\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*$")


def family(type_name: str | None) -> str | None:
    """The family of a declared type, by the words engines use (SQLite's affinity rules first)."""
    if not type_name:
        return None
    t = type_name.lower()
    if "json" in t:
        return JSON
    if t.startswith("bool"):
        return BOOLEAN
    if any(w in t for w in ("date", "time", "interval")):
        return TEMPORAL
    if "int" in t or "serial" in t:
        return NUMERIC
    if any(w in t for w in ("char", "text", "clob", "string", "uuid", "citext", "name", "enum")):
        return TEXT
    if any(w in t for w in ("blob", "bytea", "binary")):
        return BINARY
    if any(w in t for w in ("real", "floa", "doub", "numeric", "decimal", "number", "money")):
        return NUMERIC
    return None


def literal_family(node: exp.Expression) -> tuple[str | None, str | None]:
    """(family, text) of a literal; strings keep their text to see what they hold."""
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
        return NUMERIC, "-" + node.this.name
    if isinstance(node, exp.Literal):
        return (TEXT, node.name) if node.is_string else (NUMERIC, node.name)
    if isinstance(node, exp.Boolean):
        return BOOLEAN, None
    if isinstance(node, exp.Cast):
        return family(node.to.sql()), None
    return None, None


def string_fits(value: str, target: str, dialect: str) -> bool:
    """Whether a quoted literal reads cleanly as a value of the target family."""
    if target == NUMERIC:
        return bool(_NUMBER.match(value))
    if target == TEMPORAL:
        return bool(_DATE.match(value) or _TIME.match(value)) or (dialect == "postgres" and value.lower() in {
            "now", "today", "yesterday", "tomorrow", "epoch", "infinity", "-infinity"})
    if target == BOOLEAN:
        return value.lower() in {"t", "f", "true", "false", "y", "n", "yes", "no", "on", "off", "1", "0"}
    return True


def compatible(left: str, right: str, dialect: str) -> bool:
    """Column-to-column families the engine compares without surprises."""
    if left == right:
        return True
    pair = {left, right}
    if dialect in ("sqlite", "mysql") and pair == {TEMPORAL, TEXT}:
        return True  # dates are stored and compared as ISO text there
    if dialect in ("sqlite", "mysql") and pair == {BOOLEAN, NUMERIC}:
        return True  # booleans are integers there
    return False
