"""What every rule is and what it is given.

A rule is one function `fn(tree, context) -> list[str]` over the parsed
candidate. A fix changes the tree in place and returns a note per change; an
error or a doubt leaves the tree alone and returns a message per finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

from sqlglot import exp

from assistant.sqlgen.analysis.scope import Scopes
from connectors.types import SchemaInfo

Kind = Literal["fix", "error", "doubt"]
KINDS: tuple[str, ...] = ("fix", "error", "doubt")


@dataclass
class RuleContext:
    """What the rules read besides the tree: the schema, its dialect, the question and
    the scope analysis they share."""

    schema: SchemaInfo
    question: str = ""
    scopes: Scopes = field(init=False)

    def __post_init__(self) -> None:
        self.scopes = Scopes(self.schema)

    @property
    def dialect(self) -> str:
        return self.schema.dialect


RuleFunction = Callable[[exp.Expression, RuleContext], list[str]]


@dataclass(frozen=True)
class Rule:
    """One named pass. `kind`: a certain `fix` (made without asking the model), an
    `error` (sent back to the model), or a `doubt` (asked once; the model may keep its
    query). `gate`: an error here ends the run, because the rules after it need what
    it checks (tables that exist, columns that resolve)."""

    name: str
    kind: Kind
    function: RuleFunction
    description: str  # the general failure it addresses, in one line
    gate: bool = False

    def __call__(self, tree: exp.Expression, context: RuleContext) -> list[str]:
        return self.function(tree, context)
