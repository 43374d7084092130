"""sqlglot dialects the connectors need and sqlglot does not ship.

sqlglot's "mysql" writes MySQL 8. The connectors send SQL regenerated from
the checked tree, so a MySQL 8 spelling that MariaDB lacks would turn a
valid MariaDB query into an error. Importing this module registers
"mariadb" with sqlglot; MySQLConnector uses it when the server is MariaDB.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.mysql import MySQL
from sqlglot.generators.mysql import MySQLGenerator


class MariaDBGenerator(MySQLGenerator):
    SUPPORTS_MEDIAN = True  # MySQL 8 has no MEDIAN(); MariaDB does
    TRANSFORMS = {
        **MySQLGenerator.TRANSFORMS,
        # REGEXP_LIKE() is MySQL 8 only; the REGEXP operator is in both.
        exp.RegexpLike: lambda self, e: self.binary(e, "REGEXP"),
    }


class MariaDB(MySQL):
    Generator = MariaDBGenerator


MYSQL_FAMILY = frozenset({"mysql", "mariadb"})
