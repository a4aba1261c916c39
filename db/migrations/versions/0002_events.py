"""events

Discovery's indexes: (status, starts_at, id) gives published events in keyset order, and a
partial (latitude, longitude) index on `status = 'published'` serves the bounding box of a
radius search. Only core PostgreSQL is available (no cube/earthdistance/PostGIS): plain btrees.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 16:08:19.529699
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLISHED = sa.text("status = 'published'")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("host_id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.Text(), nullable=False),
        sa.Column("location_name", sa.Text(), nullable=False),
        sa.Column("location_address", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Double(), nullable=False),
        sa.Column("longitude", sa.Double(), nullable=False),
        sa.Column("max_attendees", sa.Integer(), nullable=False),
        sa.Column("min_attendees", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), server_default=sa.text("'usd'"), nullable=False),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column(
            "tags", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                "cancelled",
                "completed",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="draft",
            nullable=False,
        ),
        sa.Column("seats_taken", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "min_attendees <= max_attendees", name=op.f("ck_events_min_attendees_within_max")
        ),
        sa.CheckConstraint(
            "seats_taken <= max_attendees", name=op.f("ck_events_seats_taken_within_capacity")
        ),
        sa.CheckConstraint("seats_taken >= 0", name=op.f("ck_events_seats_taken_not_negative")),
        sa.ForeignKeyConstraint(["host_id"], ["users.id"], name=op.f("fk_events_host_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_host_id_starts_at", "events", ["host_id", "starts_at", "id"])
    op.create_index("ix_events_status_starts_at", "events", ["status", "starts_at", "id"])
    op.create_index(
        "ix_events_published_geo", "events", ["latitude", "longitude"], postgresql_where=PUBLISHED
    )


def downgrade() -> None:
    op.drop_index("ix_events_published_geo", table_name="events")
    op.drop_index("ix_events_status_starts_at", table_name="events")
    op.drop_index("ix_events_host_id_starts_at", table_name="events")
    op.drop_table("events")
