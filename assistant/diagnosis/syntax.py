"""Pass 1: is it SQL, one statement, parseable in the dialect, and does it write?"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, ParseError, SqlglotError, TokenError
from sqlglot.tokens import TokenType

from assistant.diagnosis.context import Context, offset_to_location
from assistant.diagnosis.findings import ERROR, INFO, Finding, Location

# Words a SQL statement can start with in any of our dialects.
_STATEMENT_STARTS = frozenset(
    """SELECT WITH VALUES TABLE FROM INSERT UPDATE DELETE MERGE UPSERT REPLACE CREATE DROP ALTER
    TRUNCATE RENAME GRANT REVOKE BEGIN START COMMIT ROLLBACK SAVEPOINT RELEASE SET RESET USE SHOW
    DESCRIBE DESC EXPLAIN PRAGMA ANALYZE ANALYSE VACUUM REINDEX COPY CALL EXEC EXECUTE DO LOCK
    UNLOCK LOAD ATTACH DETACH INSTALL COMMENT CLUSTER REFRESH DECLARE PREPARE DEALLOCATE LISTEN
    NOTIFY SUMMARIZE PIVOT UNPIVOT OPTIMIZE KILL FLUSH CHECKPOINT EXPORT IMPORT""".split()
)
_WRITES = (
    exp.DML, exp.DDL, exp.Drop, exp.Alter, exp.TruncateTable, exp.Merge, exp.Copy, exp.Grant,
    exp.Revoke, exp.Analyze, exp.Comment, exp.LoadData,
)
_MISSING = re.compile(r"Required keyword: '(\w+)' missing for <class '[\w.]*\.(\w+)'>")


def check_syntax(ctx: Context) -> None:
    """Sets ctx.tree to the one parsed statement, or leaves it None after a finding."""
    engine = Dialect.get_or_raise(ctx.dialect)
    try:
        tokens = engine.tokenize(ctx.sql)
    except TokenError as error:
        ctx.add(_token_error(ctx, str(error)))
        return
    tokens = [t for t in tokens if t.token_type != TokenType.SEMICOLON or t is not tokens[-1]]
    if not tokens:
        ctx.add(Finding("empty", ERROR, "There is no SQL statement to diagnose: the text is empty or only comments.",
                        verified=True, verification="tokenized by sqlglot"))
        return
    first = tokens[0]
    if first.token_type not in (TokenType.L_PAREN,) and first.text.upper() not in _STATEMENT_STARTS:
        ctx.add(Finding(
            "not_sql", ERROR,
            f"This does not look like SQL: a statement cannot start with '{first.text}'.",
            location=offset_to_location(ctx.sql, first.start),
            evidence={"type": "syntax", "first_word": first.text},
            suggestion="Paste the SQL statement itself; ask questions in the chat instead.",
            verification="tokenized by sqlglot",
        ))
        return
    try:
        statements = [s for s in sqlglot.parse(ctx.sql, read=ctx.dialect, error_level=ErrorLevel.RAISE,
                                                max_errors=3) if s is not None]
    except ParseError as error:
        ctx.add(_parse_error(ctx, error))
        return
    except (SqlglotError, RecursionError, ValueError) as error:
        ctx.add(Finding("syntax_error", ERROR, f"The statement could not be parsed: {error}",
                        verification=f"sqlglot {ctx.dialect} parser"))
        return
    if len(statements) > 1:
        second = _statement_start(ctx.sql, tokens)
        ctx.add(Finding(
            "multiple_statements", ERROR,
            f"The text holds {len(statements)} statements; diagnose one statement at a time.",
            location=second,
            evidence={"type": "syntax", "statements": [s.sql(dialect=ctx.dialect)[:120] for s in statements]},
            suggestion="Send each statement on its own.",
            verified=True, verification=f"split by sqlglot's {ctx.dialect} parser",
        ))
        return
    tree = statements[0]
    if isinstance(tree, (exp.Alias, exp.Column, exp.Identifier, exp.Literal)):
        ctx.add(Finding("not_sql", ERROR, "This does not look like a SQL statement.",
                        location=offset_to_location(ctx.sql, first.start),
                        evidence={"type": "syntax", "parsed_as": type(tree).__name__},
                        verification="parsed by sqlglot"))
        return
    ctx.tree = tree
    ctx.report.statement = _statement_kind(tree)
    if ctx.report.statement == "write":
        ctx.add(Finding(
            "write_statement", INFO,
            f"This is a {type(tree).__name__.upper()} statement, which changes data or schema. "
            "It was diagnosed from its text and the schema only; DB-GPT never executes it.",
            location=offset_to_location(ctx.sql, first.start),
            evidence={"type": "syntax", "statement": type(tree).__name__},
            verified=True, verification="statement kind read from the parsed tree",
        ))
    elif ctx.has_placeholders:
        node = tree.find(exp.Placeholder, exp.Parameter)
        ctx.add(Finding(
            "placeholders", INFO,
            f"The statement has parameter placeholders ({node.sql(dialect=ctx.dialect)}): the engine cannot plan "
            "it without values, so only its text and the schema were checked. Paste it with sample values to "
            "see the plan.",
            location=ctx.locate(node), evidence={"type": "syntax"},
            verification="read from the parsed tree",
        ))
    elif ctx.report.statement == "other":
        ctx.add(Finding(
            "not_a_query", INFO,
            f"'{first.text.upper()}' statements are not queries: only their text was checked.",
            location=offset_to_location(ctx.sql, first.start),
            evidence={"type": "syntax", "statement": type(tree).__name__},
            verification="statement kind read from the parsed tree",
        ))


def _statement_kind(tree: exp.Expression) -> str:
    if isinstance(tree, (exp.Query, exp.Values)):
        return "select"
    if isinstance(tree, _WRITES):
        return "write"
    if isinstance(tree, exp.Command) and tree.name.upper() in {"INSERT", "UPDATE", "DELETE", "MERGE", "CREATE",
                                                                  "DROP", "ALTER", "TRUNCATE", "VACUUM", "COPY",
                                                                  "REINDEX", "CLUSTER", "REPLACE", "GRANT"}:
        return "write"
    return "other"


def _statement_start(sql: str, tokens) -> Location | None:
    for i, token in enumerate(tokens[:-1]):
        if token.token_type == TokenType.SEMICOLON:
            return offset_to_location(sql, tokens[i + 1].start)
    return None


def _parse_error(ctx: Context, error: ParseError) -> Finding:
    detail = error.errors[0] if error.errors else {}
    highlight = (detail.get("highlight") or "").strip()
    line, col = detail.get("line"), detail.get("col")
    location = None
    if isinstance(line, int) and isinstance(col, int):
        # sqlglot reports the column where the offending token ends.
        start = col - len(highlight) + 1 if highlight and "\n" not in highlight else col
        location = Location(line, max(start, 1))
    description = _friendly(detail.get("description") or str(error), highlight)
    where = f" (line {location.line}, column {location.column})" if location else ""
    return Finding(
        "syntax_error", ERROR, f"Syntax error{where}: {description}",
        location=location,
        evidence={"type": "syntax", "parser": f"sqlglot {ctx.dialect}", "near": highlight,
                  "before": (detail.get("start_context") or "")[-60:],
                  "errors": [e.get("description") for e in error.errors]},
        suggestion="Fix the statement at the marked position.",
        verification=f"sqlglot's {ctx.dialect} parser; the engine only receives statements that parse",
    )


def _friendly(description: str, highlight: str) -> str:
    missing = _MISSING.search(description)
    if missing:
        node = missing.group(2).upper()
        return (f"'{highlight or node}' is incomplete: something is missing after it "
                f"({node} needs its {missing.group(1)}).")
    if description.startswith("Expecting"):
        return f"{description.lower().replace('expecting', 'expected', 1)} near '{highlight}'."
    if "Unexpected token" in description or "Invalid expression" in description:
        return f"unexpected '{highlight}' here."
    return f"{description} (near '{highlight}')."


def _token_error(ctx: Context, message: str) -> Finding:
    # sqlglot names the text read so far: the problem starts where it stops.
    seen = re.search(r"Error tokenizing '(.*)'", message, re.S)
    location = None
    if seen:
        prefix = seen.group(1)
        index = ctx.sql.find(prefix)
        location = offset_to_location(ctx.sql, max(index, 0) + len(prefix)) if index >= 0 else None
    return Finding(
        "syntax_error", "error",
        "The text could not be split into SQL tokens: an unclosed quote, comment or bracket is likely.",
        location=location,
        evidence={"type": "syntax", "tokenizer": message[:200]},
        suggestion="Close the quote or comment that is left open.",
        verification=f"sqlglot's {ctx.dialect} tokenizer",
    )
