"""What a database's own catalog says about its functions, for the guard.

guard_rules.py deny-lists names that are dangerous on any engine. A database
also holds functions no list can foresee: its users' own, and extensions'.
Each connector reads from the engine's catalog which functions it marks as
changing something, and the guard refuses calls to them (rule
`volatile_function`):

- PostgreSQL: volatile functions (pg_proc.provolatile = 'v'), and aggregates
  whose support functions are volatile (an aggregate itself is always marked
  immutable);
- DuckDB: functions marked VOLATILE or with side effects, and user macros
  whose body the guard would refuse;
- SQLite: built-in scalar functions that are neither deterministic nor
  innocuous, or are direct-only;
- MySQL/MariaDB (no volatility catalog): stored functions not declared both
  DETERMINISTIC and NO SQL / READS SQL DATA, and loadable (UDF) functions.

Names are lower case and unqualified, so one volatile overload, or one schema
holding a volatile function of that name, refuses the name everywhere: the
guard cannot know which overload a call resolves to. HARMLESS_VOLATILE
(guard_rules.py) is let through.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .guard_rules import HARMLESS_VOLATILE


@dataclass(frozen=True)
class FunctionPolicy:
    """Function names one database's catalog marks as changing something."""

    refused: frozenset[str] = frozenset()
    # PostgreSQL: refused functions a query can call as a column, `t.f` meaning f(t).
    row_callable: frozenset[str] = frozenset()
    # Every name the catalog read lists: a call to another name may be to a
    # function made since, so the connector reads again. None: nothing was read.
    known: frozenset[str] | None = None
    why: str = "the database marks it as changing data or state"
    read_at: float = field(default=0.0, compare=False)

    def refuses(self, name: str) -> bool:
        return name.lower() in self.refused

    def lists(self, name: str) -> bool:
        """Whether the catalog, as read, lists the name (always, when nothing was read)."""
        return self.known is None or name.lower() in self.known or name.lower() in self.refused


def from_catalog(
    rows: Iterable[tuple[str, bool]],
    *,
    why: str,
    row_callable: Iterable[str] = (),
    read_at: float = 0.0,
) -> FunctionPolicy:
    """A policy from (name, changes_something) rows, one or more per function name."""
    listed: set[str] = set()
    refused: set[str] = set()
    for name, changes in rows:
        lowered = name.lower()
        listed.add(lowered)
        if changes and lowered not in HARMLESS_VOLATILE:
            refused.add(lowered)
    return FunctionPolicy(
        refused=frozenset(refused),
        row_callable=frozenset(n.lower() for n in row_callable) & frozenset(refused),
        known=frozenset(listed),
        why=why,
        read_at=read_at,
    )
