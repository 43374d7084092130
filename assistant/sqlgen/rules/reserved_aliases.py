"""Table aliases that are reserved words.

Small models abbreviate a table by its initials, and the initials are sometimes
a keyword: `airport_service AS as`, `items is`, `orders_region AS or`. The
query is clear, but the parser (or the database) stops at the keyword. Such an
alias is quoted wherever it is defined and used, which every engine accepts.
"""

from __future__ import annotations

import re

from sqlglot import exp

from assistant.sqlgen.rules.base import RuleContext

# Reserved in PostgreSQL, MySQL or SQLite and short enough to be someone's initials.
RESERVED = {"all", "and", "any", "as", "asc", "by", "case", "cast", "desc", "do", "end", "for", "from", "if", "in",
            "is", "key", "not", "of", "on", "or", "to", "use", "user"}

# What may follow a table's alias: the end of a FROM item.
_NEXT = "(?:JOIN|INNER|LEFT|RIGHT|FULL|CROSS|NATURAL|ON|USING|WHERE|GROUP|ORDER|HAVING|LIMIT|UNION|EXCEPT|INTERSECT)"


def quote_in_text(sql: str) -> str | None:
    """`sql` with each reserved word used as a qualifier (`as.city_code`) quoted
    where it is used and defined; None when there is none. For text the parser
    cannot read at all."""
    used = {word.lower() for word in re.findall(r'(?<![\w."])([A-Za-z]+)\.(?=[A-Za-z_"])', sql)} & RESERVED
    if not used:
        return None
    for word in used:
        sql = re.sub(rf'(?<![\w."]){word}\.(?=[A-Za-z_"])', f'"{word}".', sql, flags=re.IGNORECASE)
        # Its definition: `table AS word` or `table word` after FROM or JOIN.
        sql = re.sub(rf'(\b(?:FROM|JOIN)\s+[\w."]+\s+(?:AS\s+)?){word}(?=\s*(?:$|[,);]|{_NEXT}\b))',
                     rf'\1"{word}"', sql, flags=re.IGNORECASE)
    return sql


def reserved_aliases(tree: exp.Expression, context: RuleContext) -> list[str]:
    """Quote table aliases the parser accepted but a database may not (`items is`);
    changes `tree` in place."""
    aliases = {node.name.lower() for node in tree.find_all(exp.TableAlias)
               if node.this is not None and node.name.lower() in RESERVED and not node.this.quoted}
    if not aliases:
        return []
    for node in tree.find_all(exp.TableAlias):
        if node.name.lower() in aliases:
            node.set("this", exp.to_identifier(node.name.lower(), quoted=True))
    for ref in tree.find_all(exp.Column):
        if ref.table and ref.table.lower() in aliases:
            ref.set("table", exp.to_identifier(ref.table.lower(), quoted=True))
    return [f"alias {a} is a reserved word: quoted" for a in sorted(aliases)]
