"""Questions the database's catalog answers without running SQL or asking the model:
which tables and columns exist, what a column means, how tables join, and which
tables an answer's SQL read."""

from assistant.catalog.answer import CatalogAnswer, answer_from_catalog
from assistant.catalog.sources import answer_sources

__all__ = ["CatalogAnswer", "answer_from_catalog", "answer_sources"]
