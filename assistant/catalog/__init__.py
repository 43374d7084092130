"""Questions the database's catalog answers without running SQL or asking the model:
which tables and columns exist, what a column means, how tables join."""

from assistant.catalog.answer import CatalogAnswer, answer_from_catalog

__all__ = ["CatalogAnswer", "answer_from_catalog"]
