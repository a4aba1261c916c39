"""verification attempts: the run that owns the current attempt, and how many there were

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("verification_run_id", sa.Text(), nullable=True))
    op.add_column(
        "users",
        sa.Column(
            "verification_attempts", sa.Integer(), server_default=sa.text("0"), nullable=False
        ),
    )


def downgrade() -> None:
    op.drop_column("users", "verification_attempts")
    op.drop_column("users", "verification_run_id")
