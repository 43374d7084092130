"""Human names of the dialects, as the prompts speak of them."""

DIALECT_NAMES = {
    "sqlite": "SQLite",
    "postgres": "PostgreSQL",
    "mysql": "MySQL",
    "duckdb": "DuckDB",
}


def dialect_name(dialect: str) -> str:
    return DIALECT_NAMES.get(dialect, dialect)
