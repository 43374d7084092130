"""Read question files in defog sql-eval's CSV format.

Two layouts exist and both are read by header name:
- `db_name, db_type, query_category, query, question, instructions` (SQLite file)
- `question, query, db_name, query_category, instructions` (the original
  PostgreSQL file; the dialect then comes from the caller).

`query` holds one or more acceptable gold queries separated by `;`. The
original PostgreSQL file also uses defog's column template: the first
`{a, b}` in a query stands for every non-empty subset of its columns (in
order), and `GROUP BY {}` repeats the chosen subset. Both the split and the
template are handled on sqlglot tokens, so a `;` or brace inside a string
literal is left alone.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import Token, TokenType

from .models import EvalQuestion


def load_questions(path: str | Path, dialect: str | None = None) -> list[EvalQuestion]:
    """All questions of a CSV file, in file order.

    `dialect` wins over the file's `db_type` column; one of them must be given.
    """
    questions: list[EvalQuestion] = []
    with open(path, newline="", encoding="utf-8") as handle:
        for index, row in enumerate(csv.DictReader(handle)):
            row_dialect = dialect or (row.get("db_type") or "").strip()
            if not row_dialect:
                raise ValueError(f"{path}: row {index + 1} has no db_type; pass the dialect")
            gold = split_gold(row["query"], row_dialect)
            if not gold:
                raise ValueError(f"{path}: row {index + 1} has no gold query")
            questions.append(
                EvalQuestion(
                    id=index,
                    db_name=row["db_name"].strip(),
                    question=row["question"].strip(),
                    gold_sql=tuple(gold),
                    category=(row.get("query_category") or "").strip(),
                    instructions=(row.get("instructions") or "").strip(),
                    dialect=row_dialect,
                )
            )
    return questions


def split_gold(text: str, dialect: str) -> list[str]:
    """Every gold query in `text`: split on top-level `;`, templates expanded."""
    tokens = Dialect.get_or_raise(dialect).tokenize(text)
    queries: list[str] = []
    for statement in _split_statements(text, tokens):
        for query in _expand_template(statement, dialect):
            if query not in queries:
                queries.append(query)
    return queries


def _split_statements(text: str, tokens: list[Token]) -> list[str]:
    statements: list[str] = []
    start = 0
    has_tokens = False
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if has_tokens:
                statements.append(text[start : token.start].strip())
            start, has_tokens = token.end + 1, False
        else:
            has_tokens = True
    if has_tokens:  # the last statement need not end with `;`
        statements.append(text[start:].strip())
    return statements


def _expand_template(sql: str, dialect: str) -> list[str]:
    tokens = Dialect.get_or_raise(dialect).tokenize(sql)
    braces = [i for i, t in enumerate(tokens) if t.token_type in (TokenType.L_BRACE, TokenType.R_BRACE)]
    if not braces:
        return [sql]
    # The first non-empty {...} is the column choice; every empty {} repeats it.
    choice = None
    empties: list[tuple[int, int]] = []
    i = 0
    while i < len(braces):
        open_i = braces[i]
        if tokens[open_i].token_type != TokenType.L_BRACE or i + 1 >= len(braces):
            raise ValueError(f"unbalanced braces in gold query: {sql}")
        close_i = braces[i + 1]
        if tokens[close_i].token_type != TokenType.R_BRACE:
            raise ValueError(f"nested braces in gold query: {sql}")
        span = (tokens[open_i].start, tokens[close_i].end + 1)
        if close_i == open_i + 1:
            empties.append(span)
        elif choice is None:
            choice = (span, _split_options(sql, tokens[open_i + 1 : close_i]))
        else:
            raise ValueError(f"more than one column template in gold query: {sql}")
        i += 2
    if choice is None:
        raise ValueError(f"'{{}}' without a column template in gold query: {sql}")
    (choice_start, choice_end), options = choice
    expanded = []
    for size in range(1, len(options) + 1):
        for subset in itertools.combinations(options, size):
            columns = ", ".join(subset)
            replacements = sorted([((choice_start, choice_end), columns)] + [(e, columns) for e in empties])
            pieces, last = [], 0
            for (start, end), value in replacements:
                pieces.append(sql[last:start])
                pieces.append(value)
                last = end
            pieces.append(sql[last:])
            expanded.append("".join(pieces))
    return expanded


def _split_options(sql: str, inner: list[Token]) -> list[str]:
    """The comma-separated column expressions inside a template's braces."""
    options: list[str] = []
    depth, start = 0, inner[0].start
    for token in inner:
        if token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
        elif token.token_type == TokenType.COMMA and depth == 0:
            options.append(sql[start : token.start].strip())
            start = token.end + 1
    options.append(sql[start : inner[-1].end + 1].strip())
    return [option for option in options if option]


def select_subset(questions: list[EvalQuestion], limit: int | None) -> list[EvalQuestion]:
    """A deterministic subset of `limit` questions, stratified by database.

    Databases take turns (in order of first appearance), each giving its next
    question; within a database, categories take turns the same way, each
    database starting at a different category. So a small run still covers
    several databases and kinds of question. Returned in file order.
    """
    if limit is None or limit >= len(questions):
        return list(questions)
    if limit <= 0:
        return []
    by_db: dict[str, list[EvalQuestion]] = {}
    for question in questions:
        by_db.setdefault(question.db_name, []).append(question)
    queues = [iter(_interleave(group, start=i)) for i, group in enumerate(by_db.values())]
    chosen: list[EvalQuestion] = []
    while len(chosen) < limit:
        for queue in queues:
            question = next(queue, None)
            if question is not None and len(chosen) < limit:
                chosen.append(question)
    return sorted(chosen, key=lambda q: q.id)


def _interleave(items: list[EvalQuestion], start: int) -> list[EvalQuestion]:
    """Round-robin over the categories of `items`, beginning with category number `start`."""
    groups: dict[str, list[EvalQuestion]] = {}
    for item in items:
        groups.setdefault(item.category, []).append(item)
    ordered = list(groups.values())
    offset = start % len(ordered)
    rounds = itertools.zip_longest(*(ordered[offset:] + ordered[:offset]))
    return [item for round_ in rounds for item in round_ if item is not None]
