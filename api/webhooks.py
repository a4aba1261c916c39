"""Webhooks from Stripe, Clerk and Postmark: verify, record the event id, act, answer.

A delivery is recorded in `webhook_events` in the request's transaction, so a duplicate is
answered 200 and ignored, while a delivery that could not be processed (Temporal unreachable)
answers 500 and leaves no row behind: the provider's retry is processed.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from typing import Any

import stripe
import structlog
from litestar import Request, Router, post
from litestar.di import NamedDependency
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from svix.webhooks import Webhook, WebhookVerificationError
from temporalio.client import Client

from api.errors import AppError, Unauthorized, ValidationFailed
from api.user_workflows import end_user_workflows, signal_if_running
from db.models import User, UserStatus, WebhookEvent
from settings import Settings
from workflows.signals import STRIPE_EVENT, StripeEventSignal

log = structlog.get_logger("api.webhooks")

STRIPE_TOLERANCE_SECONDS = 300
STRIPE_TYPES = ("payment_intent.", "charge.refunded", "identity.verification_session.")
# Postmark bounce types that say the address will not accept mail again.
PERMANENT_BOUNCES = {
    "HardBounce", "SpamNotification", "ManuallyDeactivated", "BadEmailAddress",
    "Unsubscribe", "Blocked", "DMARCPolicy",
}  # fmt: skip

Received = dict[str, Any]


class NotProcessedNow(AppError):
    """The provider retries a 500; the dedupe row is rolled back with this request."""

    code = "SERVICE_UNAVAILABLE"
    status = 500
    message = "The webhook could not be processed now; retry later."


def bad_signature(header: str) -> ValidationFailed:
    return ValidationFailed(
        "The webhook signature is missing or invalid.",
        details={"fields": {header: "missing or invalid signature"}},
    )


async def first_delivery(db: AsyncSession, provider: str, event_id: str, type: str) -> bool:
    recorded = await db.scalar(
        insert(WebhookEvent)
        .values(provider=provider, event_id=event_id, type=type)
        .on_conflict_do_nothing()
        .returning(WebhookEvent.event_id)
    )
    return recorded is not None


def verify_stripe(payload: bytes, header: str | None, settings: Settings) -> dict[str, Any]:
    """Accepts a signature by any configured secret, so a secret can be rolled."""
    if not header:
        raise bad_signature("Stripe-Signature")
    for secret in settings.stripe_webhook_secret:
        try:
            stripe.WebhookSignature.verify_header(
                payload, header, secret.get_secret_value(), tolerance=STRIPE_TOLERANCE_SECONDS
            )
        except stripe.SignatureVerificationError:
            continue
        event: dict[str, Any] = json.loads(payload)
        return event
    raise bad_signature("Stripe-Signature")


@post(
    "/stripe",
    status_code=200,
    summary="Stripe events: signal the workflow named in the object's metadata",
)
async def stripe_webhook(
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    temporal: NamedDependency[Client],
    settings: NamedDependency[Settings],
) -> Received:
    event = verify_stripe(await request.body(), request.headers.get("stripe-signature"), settings)
    event_id, event_type = event["id"], event["type"]
    structlog.contextvars.bind_contextvars(stripe_event=event_id, stripe_type=event_type)
    if not await first_delivery(db, "stripe", event_id, event_type):
        log.info("duplicate stripe event ignored")
        return {"received": True, "duplicate": True}
    stripe_object = event["data"]["object"]
    workflow_id = (stripe_object.get("metadata") or {}).get("workflow_id")
    if not event_type.startswith(STRIPE_TYPES) or not workflow_id:
        log.info("stripe event not for a workflow")
        return {"received": True, "ignored": True}
    signal = StripeEventSignal(event_id=event_id, type=event_type, object_id=stripe_object["id"])
    try:
        running = await signal_if_running(temporal, workflow_id, STRIPE_EVENT, signal)
    except Exception as error:
        log.warning("could not signal the workflow", workflow_id=workflow_id, error=str(error))
        raise NotProcessedNow() from error
    if not running:
        log.info("stripe event for a workflow that no longer runs", workflow_id=workflow_id)
    return {"received": True}


@post("/clerk", status_code=200, summary="Clerk user events (Svix-signed)")
async def clerk_webhook(
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    temporal: NamedDependency[Client],
    settings: NamedDependency[Settings],
) -> Received:
    payload = await request.body()
    try:
        Webhook(settings.clerk_webhook_secret.get_secret_value()).verify(
            payload, dict(request.headers)
        )
    except WebhookVerificationError:
        raise bad_signature("svix-signature") from None
    event = json.loads(payload)
    event_type, data = event.get("type"), event.get("data") or {}
    if not await first_delivery(db, "clerk", request.headers["svix-id"], str(event_type)):
        return {"received": True, "duplicate": True}
    if event_type == "user.updated":
        await db.execute(
            update(User)
            .where(User.clerk_user_id == data["id"], User.status != UserStatus.DELETED)
            .values(**clerk_profile(data))
        )
    elif event_type == "user.deleted":
        user_id = await db.scalar(
            update(User)
            .where(User.clerk_user_id == data["id"], User.status != UserStatus.DELETED)
            .values(status=UserStatus.DELETED)
            .returning(User.id)
        )
        if user_id:
            await end_user_workflows(temporal, user_id, "deleted in Clerk")
    return {"received": True}


def clerk_profile(data: dict[str, Any]) -> dict[str, Any]:
    """Email, phone and names from a Clerk user object; the primary address of each kind."""

    def primary(kind: str, items: str) -> str | None:
        wanted = data.get(f"primary_{kind}_id")
        for item in data.get(items) or []:
            if item.get("id") == wanted:
                return str(item.get(kind))
        return None

    changes = {
        "email": primary("email_address", "email_addresses"),
        "phone_number": primary("phone_number", "phone_numbers"),
        "first_name": data.get("first_name"),
        "last_name": data.get("last_name"),
    }
    return {name: value for name, value in changes.items() if value is not None}


def check_basic_auth(authorization: str | None, settings: Settings) -> None:
    scheme, _, encoded = (authorization or "").partition(" ")
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user = password = ""
    expected_password = settings.postmark_webhook_password.get_secret_value()
    # Both compared in constant time, and both always compared.
    user_ok = secrets.compare_digest(user.encode(), settings.postmark_webhook_user.encode())
    password_ok = secrets.compare_digest(password.encode(), expected_password.encode())
    if scheme.lower() != "basic" or not (user_ok and password_ok):
        raise Unauthorized("Postmark webhooks need the configured basic auth credentials.")


@post("/postmark", status_code=200, summary="Postmark bounces and spam complaints")
async def postmark_webhook(
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
) -> Received:
    check_basic_auth(request.headers.get("authorization"), settings)
    record = await request.json()
    if not isinstance(record, dict):
        raise ValidationFailed("Expected a Postmark webhook record.")
    kind, email = record.get("RecordType"), record.get("Email")
    undeliverable = kind == "SpamComplaint" or (
        kind == "Bounce" and record.get("Type") in PERMANENT_BOUNCES
    )
    if undeliverable and email:
        marked = await db.execute(
            update(User).where(User.email == email).values(email_undeliverable=True)
        )
        log.info("address marked undeliverable", record_type=kind, users=marked.rowcount)  # type: ignore[attr-defined]
    return {"received": True}


webhooks = Router(
    path="/webhooks",
    route_handlers=[stripe_webhook, clerk_webhook, postmark_webhook],
    tags=["webhooks"],
)
