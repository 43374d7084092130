"""The semantic layer's descriptions of tables and columns (server/metadata/descriptions.py).

The release before migrations created this table on first use, so a database
adopted at the baseline may hold it already, with its rows: then it is kept.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("descriptions"):
        return
    op.create_table(
        "descriptions",
        sa.Column("connection", sa.String(length=128), nullable=False),
        sa.Column("table_name", sa.String(length=256), nullable=False),
        sa.Column("column_name", sa.String(length=256), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("connection", "table_name", "column_name"),
    )


def downgrade() -> None:
    op.drop_table("descriptions")
