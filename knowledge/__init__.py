"""The assistant's memory: documents, schemas, verified examples and values.

Importing this package loads nothing heavy; Chroma, llama-index and the
embedding model come in on first use.

- `knowledge.service.Knowledge(settings)`: the one object the server builds;
  spaces and ingestion (`.documents`, `.ingestion`), per-connection
  `.schema_index(db)`, `.values(db)`, `.examples(db)`, `.sync(db, schema,
  connector)`, `.link(question, db, schema, budget)`.
- `knowledge.schema_linking.link_schema(question, schema, budget_tokens,
  index=...)`: the tables a question needs within a token budget;
  `link_schema_detailed(...)` also gives the trimmed `SchemaInfo` to render.
- `knowledge.tokens.count_tokens`: the conservative token count used for
  budgets.

Stores: Chroma (embedded under data_dir/chroma, or a server at chroma_url)
through llama-index's ChromaVectorStore for vectors; a SQLite registry under
data_dir/knowledge for everything needing exact lookups.
"""
