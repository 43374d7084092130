"""The knowledge registry (knowledge/registry.py) moves into the metadata database.

Spaces and documents, verified examples, sensitive columns, the value index and
each connection's last synced schema fingerprint; the rows of an earlier
release's registry file are copied in at start-up (Registry.adopt_file).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_spaces",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "knowledge_documents",
        sa.Column("space", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("chunks", sa.Integer(), server_default="0", nullable=False),
        sa.Column("bytes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["space"], ["knowledge_spaces.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("space", "path"),
    )
    op.create_table(
        "knowledge_examples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection", sa.Text(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("sql", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("checked_fingerprint", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("knowledge_examples_connection", "knowledge_examples", ["connection", "state"], unique=False)
    op.create_table(
        "knowledge_sensitive_columns",
        sa.Column("connection", sa.Text(), nullable=False),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("column_name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("connection", "table_name", "column_name"),
    )
    op.create_table(
        "knowledge_column_values",
        sa.Column("connection", sa.Text(), nullable=False),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("column_name", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_index("knowledge_column_values_connection", "knowledge_column_values", ["connection"], unique=False)
    op.create_table(
        "knowledge_synced",
        sa.Column("connection", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("synced_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("connection"),
    )


def downgrade() -> None:
    op.drop_index("knowledge_column_values_connection", table_name="knowledge_column_values")
    op.drop_index("knowledge_examples_connection", table_name="knowledge_examples")
    for table in ("knowledge_synced", "knowledge_column_values", "knowledge_sensitive_columns", "knowledge_examples",
                  "knowledge_documents", "knowledge_spaces"):
        op.drop_table(table)
