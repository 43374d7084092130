"""How the product touches a user's databases: guarded, read-only, bounded.

    from connectors import connect
    conn = connect("sqlite:///shop.db")
    conn.run("SELECT ...")      # QueryResult, or GuardRefusal / QueryTimeout / ConnectorError
    conn.introspect()           # SchemaInfo, cached behind conn.fingerprint()
    conn.explain("SELECT ...")  # Plan with .raw and a normalised .root
"""

from .base import Connector
from .factory import connect
from .guard import check_statement
from .types import (
    ColumnInfo,
    ConnectorError,
    ForeignKey,
    GuardRefusal,
    IndexInfo,
    Plan,
    PlanNode,
    QueryResult,
    QueryTimeout,
    SchemaInfo,
    TableInfo,
)

__all__ = [
    "ColumnInfo",
    "Connector",
    "ConnectorError",
    "ForeignKey",
    "GuardRefusal",
    "IndexInfo",
    "Plan",
    "PlanNode",
    "QueryResult",
    "QueryTimeout",
    "SchemaInfo",
    "TableInfo",
    "check_statement",
    "connect",
]
