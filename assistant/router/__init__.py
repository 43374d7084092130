"""The chat router: which skill answers a message (sql, diagnose, docs, schema, chat).

    from assistant.router import RouteContext, route
    chosen = await route(message, RouteContext(last=..., dbs=[...], spaces=[...]), llm)
    chosen.skill, chosen.reason, chosen.confidence, chosen.source  # source: forced | rules | model | fallback

Cheap rules that are certain come first (`rules.py`: a command prefix, a
message that parses as SQL, a follow-up about the previous answer's SQL, clear
schema questions); only the rest goes to the model, over a short prompt with a
constrained JSON answer (`model.py`).
"""

from assistant.router.model import route_by_model
from assistant.router.route import route
from assistant.router.types import SKILLS, LastTurn, Route, RouteContext
from assistant.router.rules import extract_sql, route_by_rules

__all__ = ["SKILLS", "LastTurn", "Route", "RouteContext", "extract_sql", "route", "route_by_model",
           "route_by_rules"]
