"""chunk windows: each passage chunk's sentence vectors, float16 bytes beside its own vector

NULL marks a chunk indexed before windows existed; the next `frontdesk ingest` embeds its document again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 04:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chunks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("windows", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chunks", schema=None) as batch_op:
        batch_op.drop_column("windows")
