"""Rules that route a message without the model, where the answer is not in doubt.

In order: a command prefix (`/sql`, `/diagnose`, `/docs`, `/schema`, `/chat`);
a statement that sqlglot parses as SQL (pasted alone, fenced, or after a
question such as "why is this slow?"); a question or complaint about the
previous answer's query ("why is it slow", "the totals look too high", "it
timed out"); the previous answer asked for as another chart ("as a line
chart": drawn again, not written again) or asked where its data comes from
(answered from its SQL); a change to the previous data answer ("only for
2023", "per month instead"); and clear questions about the schema
(which tables or columns exist, what a column means, how tables join).
Anything else returns None and is left to the evidence and the model.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from assistant.router.types import SKILLS, Route, RouteContext
from assistant.sqlgen.follow_up import changes_data

_PREFIX = re.compile(r"^\s*/(?P<command>[a-z]+)\b\s*(?P<rest>.*)\Z", re.IGNORECASE | re.DOTALL)

# Statements a user pastes to have checked; sqlglot falls back to Command for what it cannot read.
_STATEMENTS = (exp.Query, exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter)
_FENCE = re.compile(r"```(?:sql)?\s*\n?(?P<sql>.+?)```", re.IGNORECASE | re.DOTALL)
# Where a statement may start inside a message: any of these keywords ("optimize SELECT ...").
_START = re.compile(r"\b(?:explain\s+(?:query\s+plan\s+|analyze\s+)?)?"
                    r"(?:select|with|insert|update|delete|merge|create|drop|alter)\b", re.IGNORECASE)
_EXPLAIN = re.compile(r"^\s*explain\s+(?:query\s+plan\s+|analyze\s+)?", re.IGNORECASE)
# Plain English can parse ("select all customers from France"); pasted SQL shows its syntax:
# punctuation of expressions, or keywords written in capitals.
_SYNTAX = re.compile(r"[*(),;=<>']|\w\.\w")
_CAPITAL_KEYWORDS = re.compile(r"\b(?:SELECT|FROM|WHERE|JOIN|GROUP|ORDER|LIMIT|UPDATE|SET|DELETE|INSERT|INTO|"
                               r"VALUES|CREATE|TABLE|INDEX|WITH|AS|HAVING|UNION|DROP|ALTER)\b")

# "Why is this slow / wrong?" about the previous answer's query.
_ABOUT_LAST_SQL = re.compile(
    r"\b(?:why|how come)\b.{0,40}\b(?:slow|slower|so long|wrong|incorrect|empty|no rows|nothing|fail|failing|"
    r"error|duplicates?|too many)\b"
    r"|\b(?:speed (?:it|this|that) up|make (?:it|this|that|the query) faster|optimi[sz]e (?:it|this|that|the query)"
    r"|explain (?:this|that|the|your) (?:query|sql|statement)|diagnose (?:it|this|that|the query)"
    r"|(?:is|was) (?:this|that|the) (?:query|sql) (?:right|correct|wrong|slow|efficient)"
    r"|(?:what|which) index(?:es)? (?:would|could|should|might) help|(?:check|review) (?:this|that|the) (?:query|sql)"
    r"|(?:could|can|would) (?:it|this|that|the query) (?:be|run) faster|what went wrong"
    r"|(?:it|this|that) (?:seems|looks|is) (?:to be )?(?:missing|wrong|off|slow)"
    # Complaints about how it ran or what it gave.
    r"|(?:takes?|took|taking|runs?|ran|running) (?:forever|ages|too long|so long|a long time|minutes)"
    r"|tim(?:ed|es|ing) out|timeouts?"
    r"|(?:looks?|looked|seems?|seemed|are|is) (?:way |far |much )?too (?:high|low|big|small|large|many|few)"
    r"|(?:get|got|getting|gives?|gave|throws?|threw|returns?|returned) an? (?:error|exception)"
    r"|(?:problems?|issues?|mistakes?|bugs?|errors?) (?:with|in) (?:it|this|that|the|your)"
    r"(?: (?:query|sql|statement))?)\b",
    re.IGNORECASE | re.DOTALL)

# "As a line chart": the previous answer drawn again with another mark. Once the chart words
# and these are taken out, nothing may be left (else it is a new question that names a chart).
_MARKS = {"line": "line", "lines": "line", "bar": "bar", "bars": "bar", "scatter": "point",
          "point": "point", "points": "point", "dot": "point", "dots": "point"}
_CHART = re.compile(r"\b(?P<mark>" + "|".join(_MARKS) + r")(?:\s+(?:chart|graph|plot|diagram))?\b", re.IGNORECASE)
_CHART_FILLER = re.compile(
    r"\b(?:show|draw|plot|display|make|turn|render|put|give|can|could|would|you|me|us|please|it|that|this|them|"
    r"those|these|the|a|an|as|into|in|to|with|instead|now|same|data|result|results|answer|numbers|chart|graph|"
    r"plot|diagram|again|of|i|want|like|prefer|see|use|using|maybe|rather|how|about|what)\b|[^\w\s]",
    re.IGNORECASE)

# "Which table does that come from?": about the previous answer's query, answered from it.
_SOURCES = re.compile(
    r"\b(?:which|what) (?:tables?|columns?|data|sources?)\b.{0,30}\b(?:come|comes|came|from|use|used|uses|read|"
    r"reads|query|queries|queried|behind)\b"
    r"|\bwhere (?:does|did|do) (?:that|this|it|these|those|the)(?: (?:data|numbers?|results?|answer|figures?))? "
    r"come from\b"
    r"|\b(?:which|what) (?:table|column)s? (?:is|are|was|were) (?:that|this|it|these|those) from\b",
    re.IGNORECASE)


def chart_request(message: str) -> str | None:
    """The mark a message asks the previous answer to be drawn with ("as a line chart": line), or None
    when it asks anything more."""
    found = _CHART.search(message)
    if found is None:
        return None
    rest = _CHART_FILLER.sub(" ", message[:found.start()] + " " + message[found.end():])
    return _MARKS[found["mark"].lower()] if not rest.split() else None


def asks_for_sources(message: str) -> bool:
    """Whether a message asks which tables the previous answer's data comes from."""
    return bool(_SOURCES.search(message))


# Questions the catalog answers: what exists, what a column means, how tables join.
_SCHEMA = re.compile(
    r"^\s*(?:what|which) tables\b"
    r"|\b(?:list|show|name)(?: me)?(?: all| the| every)*(?: of the)? (?:tables|columns|fields)\b"
    r"|\b(?:what|which) (?:columns|fields)\b"
    r"|\b(?:tables|columns|fields) (?:are there|exist|does (?:it|the \w+ table) have)\b"
    r"|\bwhat (?:is|are) (?:in )?the (?:schema|structure|columns|fields) of\b"
    r"|\b(?:describe|structure of|schema of|definition of)(?: the)? (?:table \w+|\w+ table)\b"
    r"|\bwhat does (?:the )?(?:column |field )?\w+\.\w+ (?:mean|hold|contain|store)"
    r"|\bwhat does (?:the )?(?:column|field) \w+ (?:mean|hold|contain|store)"
    r"|\bwhat (?:is|are) (?:the )?(?:column|field)s? \w+\b"
    r"|\bmeaning of (?:the )?(?:column|field) \w+"
    r"|\bhow (?:do|does|can|should|would) (?:i |we |you )?(?:join|link|relate|connect) (?:the )?(?!two\b|tables?\b)"
    r"\w+(?: table)? (?:and|with|to) \w+"
    r"|\bhow (?:do|does|are|is) (?:the )?(?!i\b|we\b|you\b)\w+(?: table)? (?:and (?:the )?\w+(?: table)? )?"
    r"(?:join|joined|related|linked|connected|relate|link|connect)\b"
    r"|\b(?:foreign|primary) keys?\b"
    r"|\b(?:which|what) (?:table|column)s? (?:stores?|holds?|has|have|contains?|tells?|records?|keeps?)\b"
    r"|\bis there a (?:table|column)\b|\bwhere (?:is|are) .{1,40} stored\b"
    r"|\bwhat does (?:the |its |their )?\w+ (?:column|field) mean"
    r"|\bwhat does (?:the )?[a-z]+_[a-z_]+ mean",
    re.IGNORECASE)


def _is_statement(text: str, fenced: bool = False) -> bool:
    body = _EXPLAIN.sub("", text.strip().rstrip(";"))
    try:
        trees = [t for t in sqlglot.parse(body, error_level=sqlglot.ErrorLevel.RAISE) if t is not None]
    except sqlglot.errors.SqlglotError:
        return False
    return (len(trees) == 1 and isinstance(trees[0], _STATEMENTS)
            and (fenced or bool(_SYNTAX.search(body) or len(_CAPITAL_KEYWORDS.findall(body)) >= 2)))


def extract_sql(message: str) -> str | None:
    """The SQL statement a message holds (pasted alone, fenced, or after a question), or None."""
    fenced = _FENCE.search(message)
    if fenced and _is_statement(fenced["sql"], fenced=True):
        return fenced["sql"].strip()
    for start in _START.finditer(message):
        if _is_statement(candidate := message[start.start():]):
            return candidate.strip()
    return None


LEAD_CHARS = 500  # words before a long statement ("why is this slow?"), at most


def long_sql(message: str) -> str | None:
    """The statement a long message holds, found with at most two parses (the first fenced
    block, else the text from the first statement keyword within LEAD_CHARS), or None: a
    long message that is not SQL costs no more than one that is."""
    body = message
    if (prefixed := _PREFIX.match(message)) and prefixed["command"].lower() in SKILLS:
        if prefixed["command"].lower() != "diagnose":
            return None  # "/sql <10,000 characters>" asks another skill
        body = prefixed["rest"]
    fenced = _FENCE.search(body)
    if fenced and _is_statement(fenced["sql"], fenced=True):
        return fenced["sql"].strip()
    start = _START.search(body[:LEAD_CHARS + 64])
    if start is not None and start.start() <= LEAD_CHARS and _is_statement(candidate := body[start.start():]):
        return candidate.strip()
    return None


def route_by_rules(message: str, context: RouteContext) -> Route | None:
    prefixed = _PREFIX.match(message)
    if prefixed and prefixed["command"].lower() in SKILLS:
        skill, rest = prefixed["command"].lower(), prefixed["rest"].strip()
        sql = (extract_sql(rest) or rest or None) if skill == "diagnose" else None
        if skill == "diagnose" and not sql and context.last is not None:
            sql = context.last.sql
        return Route(skill, f"the message starts with /{skill}", 1.0, "rules", rest or message, sql)
    if (sql := extract_sql(message)) is not None:
        return Route("diagnose", "the message holds a SQL statement", 0.95, "rules", message, sql)
    last_sql = context.last.sql if context.last is not None else None
    if last_sql and _ABOUT_LAST_SQL.search(message):
        return Route("diagnose", "the message asks about the previous answer's SQL", 0.9, "rules", message,
                     last_sql)
    if last_sql and (mark := chart_request(message)) is not None:
        return Route("sql", f"the message asks for the previous answer as a {mark} chart", 0.95, "rules", message,
                     last_sql, chart=mark)
    if last_sql and asks_for_sources(message):
        return Route("schema", "the message asks where the previous answer's data comes from", 0.9, "rules",
                     message, last_sql)
    # After any answer that carries the data answer's SQL (the answer itself, a chart of it, where
    # it comes from, its diagnosis), though not after a document answer.
    if context.last is not None and context.last.sql and context.last.skill != "docs" and changes_data(message):
        return Route("sql", "the message changes the previous data answer", 0.85, "rules", message)
    if _SCHEMA.search(message):
        return Route("schema", "the message asks what the schema holds", 0.9, "rules", message)
    return None
