"""Identity verification end to end, through HTTP as the mobile app, with the worker running:
the session is created in the (sandbox) Stripe, completed there, and the webhook makes the
user verified and sends one email."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stripe import StripeClient
from temporalio.worker import Worker

from api.app import create_app
from db.models import User, WebhookEvent
from embedded import free_port
from settings import Settings
from tests.support import AsyncSandbox, assert_error, eventually
from workflows.verification import VerificationWorkflow

pytestmark = pytest.mark.usefixtures("worker")

SignUp = Callable[..., Awaitable[tuple[dict[str, str], dict[str, Any]]]]


async def start(api: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await api.post("/v1/users/me/verification", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def wait_for_status(
    api: httpx.AsyncClient, headers: dict[str, str], status: str
) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        state: dict[str, Any] = (await api.get("/v1/users/me/verification", headers=headers)).json()
        return state if state["status"] == status else None

    return await eventually(reached)


async def emails(sandbox: AsyncSandbox, to: str, tag: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await sandbox.emails(to=to, tag=tag)
    return found


async def test_verified_through_the_app(
    api: httpx.AsyncClient, signed_up: SignUp, sandbox: AsyncSandbox
) -> None:
    headers, user = await signed_up(firstName="<b>Ada</b>")
    started = await start(api, headers)
    assert started["status"] == "pending"
    assert started["verificationSessionId"].startswith("vs_")
    assert started["clientSecret"]
    assert started["workflowId"] == f"verification:{user['id']}"
    # While pending, the same session comes back.
    assert (await start(api, headers))["verificationSessionId"] == started["verificationSessionId"]
    pending = (await api.get("/v1/users/me/verification", headers=headers)).json()
    assert pending["status"] == "pending"

    await sandbox.verify_identity(started["verificationSessionId"])
    state = await wait_for_status(api, headers, "verified")
    assert state["verifiedAt"] is not None
    assert state["lastError"] is None
    me = (await api.get("/v1/users/me", headers=headers)).json()
    assert me["isVerified"] is True
    assert me["verificationStatus"] == "verified"

    sent = await eventually(lambda: emails(sandbox, user["email"], "verification_verified"))
    assert len(sent) == 1
    # User text is escaped in the HTML body.
    assert "&lt;b&gt;Ada&lt;/b&gt;" in sent[0]["HtmlBody"]
    assert "<b>Ada</b>" not in sent[0]["HtmlBody"]
    assert_error(await api.post("/v1/users/me/verification", headers=headers), 409, "CONFLICT")


async def test_failure_then_a_retry_that_succeeds(
    api: httpx.AsyncClient, signed_up: SignUp, sandbox: AsyncSandbox
) -> None:
    headers, user = await signed_up()
    first = await start(api, headers)
    await sandbox.fail_identity(first["verificationSessionId"], code="selfie_face_mismatch")
    failed = await wait_for_status(api, headers, "failed")
    assert failed["lastError"]["code"] == "selfie_face_mismatch"
    assert failed["lastError"]["reason"]
    sent = await eventually(lambda: emails(sandbox, user["email"], "verification_failed"))
    assert len(sent) == 1
    assert failed["lastError"]["reason"] in sent[0]["TextBody"]

    second = await start(api, headers)
    assert second["verificationSessionId"] != first["verificationSessionId"]
    assert (await api.get("/v1/users/me/verification", headers=headers)).json()["lastError"] is None
    await sandbox.verify_identity(second["verificationSessionId"])
    await wait_for_status(api, headers, "verified")
    assert (
        len(await eventually(lambda: emails(sandbox, user["email"], "verification_verified"))) == 1
    )


async def test_the_same_webhook_five_times_changes_things_once(
    api: httpx.AsyncClient,
    signed_up: SignUp,
    sandbox: AsyncSandbox,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    headers, user = await signed_up()
    session_id = (await start(api, headers))["verificationSessionId"]
    await sandbox.verify_identity(session_id)
    await wait_for_status(api, headers, "verified")
    verified_event = await eventually(
        lambda: delivered(sandbox, session_id, "identity.verification_session.verified")
    )
    for _ in range(4):
        replayed = await sandbox.replay_webhook(verified_event)
        assert replayed
    await asyncio.sleep(1)
    async with sessionmaker() as db:
        rows = await db.scalar(select(func.count()).where(WebhookEvent.event_id == verified_event))
        verified_at = await db.scalar(select(User.verified_at).where(User.id == user["id"]))
    assert rows == 1
    assert len(await emails(sandbox, user["email"], "verification_verified")) == 1
    state = (await api.get("/v1/users/me/verification", headers=headers)).json()
    assert state["verifiedAt"] == verified_at.isoformat().replace("+00:00", "Z")


async def delivered(sandbox: AsyncSandbox, object_id: str, event_type: str) -> str | None:
    """The id of the sandbox's event of that type for that object, once the API took it."""
    events = [
        event["id"]
        for event in await sandbox.objects("events")
        if event["type"] == event_type and event["data"]["object"]["id"] == object_id
    ]
    for delivery in await sandbox.webhook_deliveries(event_type=event_type):
        if delivery["eventId"] in events and delivery["statusCode"] == 200:
            return str(delivery["eventId"])
    return None


def signed(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = timestamp or int(time.time())
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def stripe_event(object_id: str, workflow_id: str, event_id: str) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "identity.verification_session.verified",
            "data": {"object": {"id": object_id, "metadata": {"workflow_id": workflow_id}}},
        }
    ).encode()


async def test_forged_or_missing_signature(
    api: httpx.AsyncClient, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    payload = stripe_event("vs_forged", "verification:usr_x", "evt_forged_1")
    forged = await api.post(
        "/webhooks/stripe",
        content=payload,
        headers={"Stripe-Signature": signed(payload, "whsec_wrong")},
    )
    assert_error(forged, 400, "VALIDATION_ERROR")
    assert_error(await api.post("/webhooks/stripe", content=payload), 400, "VALIDATION_ERROR")
    secret = settings.stripe_webhook_secret[0].get_secret_value()
    stale = signed(payload, secret, timestamp=int(time.time()) - 3600)
    assert_error(
        await api.post("/webhooks/stripe", content=payload, headers={"Stripe-Signature": stale}),
        400,
        "VALIDATION_ERROR",
    )
    async with sessionmaker() as db:
        assert (
            await db.scalar(select(func.count()).where(WebhookEvent.event_id == "evt_forged_1"))
            == 0
        )


async def test_any_configured_secret_is_accepted(settings: Settings) -> None:
    rolled = settings.model_copy(
        update={"stripe_webhook_secret": [SecretStr("whsec_new"), *settings.stripe_webhook_secret]}
    )
    payload = stripe_event("vs_none", "verification:usr_none", f"evt_roll_{time.time_ns()}")
    async with AsyncTestClient(create_app(rolled)) as client:
        for secret in ("whsec_new", settings.stripe_webhook_secret[0].get_secret_value()):
            response = await client.post(
                "/webhooks/stripe",
                content=payload,
                headers={"Stripe-Signature": signed(payload, secret)},
            )
            assert response.status_code == 200, response.text


async def test_webhook_while_temporal_is_down_is_retried(
    api: httpx.AsyncClient,
    signed_up: SignUp,
    sandbox: AsyncSandbox,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    headers, user = await signed_up()
    started = await start(api, headers)
    session_id = started["verificationSessionId"]
    # Stripe's side completes, but its webhook is what we deliver by hand below.
    config = await sandbox.config()
    await sandbox.configure(stripe_webhook_urls=[])
    try:
        await sandbox.verify_identity(session_id)
    finally:
        await sandbox.configure(stripe_webhook_urls=config["stripeWebhookUrls"])
    event_id = f"evt_down_{time.time_ns()}"
    payload = stripe_event(session_id, started["workflowId"], event_id)
    signature = {
        "Stripe-Signature": signed(payload, settings.stripe_webhook_secret[0].get_secret_value())
    }

    down = settings.model_copy(update={"temporal_address": f"127.0.0.1:{free_port()}"})
    async with AsyncTestClient(create_app(down)) as without_temporal:
        response = await without_temporal.post(
            "/webhooks/stripe", content=payload, headers=signature
        )
    assert_error(response, 500, "SERVICE_UNAVAILABLE")
    async with sessionmaker() as db:
        assert await db.scalar(select(func.count()).where(WebhookEvent.event_id == event_id)) == 0

    retried = await api.post("/webhooks/stripe", content=payload, headers=signature)
    assert retried.status_code == 200, retried.text
    await wait_for_status(api, headers, "verified")
    assert (
        len(await eventually(lambda: emails(sandbox, user["email"], "verification_verified"))) == 1
    )


async def test_deleting_the_profile_ends_the_verification(
    api: httpx.AsyncClient, signed_up: SignUp, sandbox: AsyncSandbox, worker: Worker
) -> None:
    headers, _user = await signed_up()
    started = await start(api, headers)
    assert (await api.delete("/v1/users/me", headers=headers)).status_code == 204
    handle = worker.client.get_workflow_handle_for(VerificationWorkflow.run, started["workflowId"])
    result = await asyncio.wait_for(handle.result(), timeout=15)
    assert result.status == "ended"
    sessions = await sandbox.objects("verification_sessions")
    assert (
        next(s for s in sessions if s["id"] == started["verificationSessionId"])["status"]
        == "canceled"
    )


async def test_a_session_canceled_at_stripe_fails_the_verification(
    api: httpx.AsyncClient, signed_up: SignUp, settings: Settings
) -> None:
    headers, _ = await signed_up()
    started = await start(api, headers)
    stripe = StripeClient(
        settings.stripe_secret_key.get_secret_value(),
        base_addresses={"api": settings.stripe_api_base},
    )
    await stripe.v1.identity.verification_sessions.cancel_async(started["verificationSessionId"])
    failed = await wait_for_status(api, headers, "failed")
    assert failed["lastError"]["code"] == "canceled"


async def test_unhandled_event_types_are_acknowledged(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    payload = json.dumps(
        {
            "id": f"evt_other_{time.time_ns()}",
            "type": "customer.created",
            "data": {"object": {"id": "cus_1"}},
        }
    ).encode()
    secret = settings.stripe_webhook_secret[0].get_secret_value()
    response = await api.post(
        "/webhooks/stripe", content=payload, headers={"Stripe-Signature": signed(payload, secret)}
    )
    assert response.status_code == 200
    assert response.json()["ignored"] is True
