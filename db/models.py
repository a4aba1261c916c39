"""SQLAlchemy models: the tables the API reads and the activities write."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Double,
    Enum,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamps


def _text_enum(enum: type[StrEnum], name: str) -> Enum:
    """A StrEnum stored as text with a CHECK constraint (no native type to migrate later)."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )


class VerificationStatus(StrEnum):
    NOT_STARTED = "not_started"
    PENDING = "pending"
    VERIFIED = "verified"
    FAILED = "failed"


class ActiveRole(StrEnum):
    SOCIAL = "social"
    HOST = "host"


class UserStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DELETED = "deleted"


class User(Timestamps, Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    clerk_user_id: Mapped[str] = mapped_column(Text, unique=True)
    email: Mapped[str | None] = mapped_column(Text, index=True)
    phone_number: Mapped[str | None] = mapped_column(String(16), index=True)
    first_name: Mapped[str] = mapped_column(Text)
    last_name: Mapped[str | None] = mapped_column(Text)
    bio: Mapped[str | None] = mapped_column(Text)
    profile_image_url: Mapped[str | None] = mapped_column(Text)
    interests: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    location: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    is_verified: Mapped[bool] = mapped_column(server_default=text("false"))
    verification_status: Mapped[VerificationStatus] = mapped_column(
        _text_enum(VerificationStatus, "verification_status"),
        server_default=VerificationStatus.NOT_STARTED.value,
    )
    verification_session_id: Mapped[str | None] = mapped_column(Text)
    verification_error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    verified_at: Mapped[datetime | None]
    # Which workflow run owns the current attempt; makes starting an attempt idempotent.
    verification_run_id: Mapped[str | None] = mapped_column(Text)
    verification_attempts: Mapped[int] = mapped_column(server_default=text("0"))
    active_role: Mapped[ActiveRole] = mapped_column(
        _text_enum(ActiveRole, "active_role"), server_default=ActiveRole.SOCIAL.value
    )
    status: Mapped[UserStatus] = mapped_column(
        _text_enum(UserStatus, "status"), server_default=UserStatus.ACTIVE.value
    )
    email_undeliverable: Mapped[bool] = mapped_column(server_default=text("false"))


class WebhookEvent(Base):
    """One row per provider event id: a delivery seen twice is processed once."""

    __tablename__ = "webhook_events"

    provider: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(Text, primary_key=True)
    type: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(server_default=text("now()"))


class EmailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class Email(Timestamps, Base):
    """The outbox and the log: a row is written before sending, so a key is sent at most once."""

    __tablename__ = "emails"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(40), index=True)
    to_address: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    status: Mapped[EmailStatus] = mapped_column(
        _text_enum(EmailStatus, "status"), server_default=EmailStatus.PENDING.value
    )
    provider_message_id: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "target", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'"))
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"))


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


# Only published events are discovered by place, so the geo index is partial: it stays small
# and the planner uses it whenever the query says `status = 'published'`.
_PUBLISHED = text("status = 'published'")


class Event(Timestamps, Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("seats_taken >= 0", name="seats_taken_not_negative"),
        CheckConstraint("seats_taken <= max_attendees", name="seats_taken_within_capacity"),
        CheckConstraint("min_attendees <= max_attendees", name="min_attendees_within_max"),
        # The caller's hosted events, paged by start time.
        Index("ix_events_host_id_starts_at", "host_id", "starts_at", "id"),
        # Events of one status in (starts_at, id) order: discovery's keyset pages (status =
        # 'published') and the lifecycle sweeps. A partial (starts_at, id) index would be redundant.
        Index("ix_events_status_starts_at", "status", "starts_at", "id"),
        # Discovery with a location: the latitude band of the bounding box is the index range,
        # the longitude bounds are checked inside the index before any heap row is read.
        Index("ix_events_published_geo", "latitude", "longitude", postgresql_where=_PUBLISHED),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    host_id: Mapped[str] = mapped_column(String(40), ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(Text)
    location_name: Mapped[str] = mapped_column(Text)
    location_address: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float] = mapped_column(Double)
    longitude: Mapped[float] = mapped_column(Double)
    max_attendees: Mapped[int] = mapped_column(Integer)
    min_attendees: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    # NULL means the platform fee (RSVP_FEE_CENTS), 0 a free event.
    price_cents: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), server_default=text("'usd'"))
    category: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    status: Mapped[EventStatus] = mapped_column(
        _text_enum(EventStatus, "status"), server_default=EventStatus.DRAFT.value
    )
    seats_taken: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    published_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)
