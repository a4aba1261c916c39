"""Clerk (Svix-signed) and Postmark (basic auth) webhooks, sent by the sandbox as the real
services would, and what they change."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.errors import VerificationRequired
from api.gates import require_verified
from db.models import User
from tests.support import AsyncSandbox, assert_error, eventually

SignUp = Callable[..., Awaitable[tuple[dict[str, str], dict[str, Any]]]]


def clerk_user(clerk_id: str, email: str, phone: str, first: str, last: str) -> dict[str, Any]:
    return {
        "id": clerk_id,
        "object": "user",
        "first_name": first,
        "last_name": last,
        "primary_email_address_id": "idn_primary",
        "email_addresses": [
            {"id": "idn_old", "email_address": "old@example.com"},
            {"id": "idn_primary", "email_address": email},
        ],
        "primary_phone_number_id": "idn_phone",
        "phone_numbers": [{"id": "idn_phone", "phone_number": phone}],
    }


async def test_clerk_user_updated_syncs_the_profile(
    api: httpx.AsyncClient, signed_up: SignUp, sandbox: AsyncSandbox
) -> None:
    headers, user = await signed_up(firstName="Ada")
    update = clerk_user(
        user["clerkUserId"], "ada@lovelace.example", "+447700900123", "Augusta", "King"
    )
    delivery = await sandbox.send_clerk_webhook("user.updated", update)
    assert delivery["statusCode"] == 200
    me = (await api.get("/v1/users/me", headers=headers)).json()
    assert (me["email"], me["phoneNumber"], me["firstName"], me["lastName"]) == (
        "ada@lovelace.example", "+447700900123", "Augusta", "King",
    )  # fmt: skip


async def test_clerk_user_deleted_marks_the_user_deleted(
    api: httpx.AsyncClient, signed_up: SignUp, sandbox: AsyncSandbox
) -> None:
    headers, user = await signed_up()
    delivery = await sandbox.send_clerk_webhook(
        "user.deleted", {"id": user["clerkUserId"], "deleted": True}
    )
    assert delivery["statusCode"] == 200
    assert_error(await api.get("/v1/users/me", headers=headers), 404, "NOT_FOUND")


async def test_clerk_webhook_with_a_bad_signature(
    api: httpx.AsyncClient, signed_up: SignUp
) -> None:
    headers, user = await signed_up(firstName="Ada")
    body = {"type": "user.deleted", "data": {"id": user["clerkUserId"]}}
    forged = {"svix-id": "msg_1", "svix-timestamp": "1700000000", "svix-signature": "v1,Zm9yZ2Vk"}
    assert_error(
        await api.post("/webhooks/clerk", json=body, headers=forged), 400, "VALIDATION_ERROR"
    )
    assert (await api.get("/v1/users/me", headers=headers)).status_code == 200


@pytest.mark.parametrize("kind", ["HardBounce", "SpamComplaint"])
async def test_postmark_bounce_marks_the_address_undeliverable(
    signed_up: SignUp,
    sandbox: AsyncSandbox,
    sessionmaker: async_sessionmaker[AsyncSession],
    kind: str,
) -> None:
    _, user = await signed_up()
    delivery = await sandbox.send_postmark_bounce(user["email"], type=kind)
    assert delivery["statusCode"] == 200

    async def undeliverable() -> bool:
        async with sessionmaker() as db:
            row = await db.get(User, user["id"])
            return bool(row and row.email_undeliverable)

    await eventually(undeliverable)


async def test_postmark_soft_bounce_changes_nothing(
    api: httpx.AsyncClient,
    signed_up: SignUp,
    settings: Any,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    _, user = await signed_up()
    response = await api.post(
        "/webhooks/postmark",
        json={"RecordType": "Bounce", "Type": "SoftBounce", "Email": user["email"]},
        auth=(
            settings.postmark_webhook_user,
            settings.postmark_webhook_password.get_secret_value(),
        ),
    )
    assert response.status_code == 200
    async with sessionmaker() as db:
        row = await db.get(User, user["id"])
    assert row is not None
    assert not row.email_undeliverable


@pytest.mark.parametrize(
    "authorization",
    [None, "Basic " + base64.b64encode(b"postmark:wrong").decode(), "Bearer x", "Basic !!!"],
)
async def test_postmark_webhook_needs_basic_auth(
    api: httpx.AsyncClient,
    signed_up: SignUp,
    authorization: str | None,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    _, user = await signed_up()
    headers = {"Authorization": authorization} if authorization else {}
    response = await api.post(
        "/webhooks/postmark",
        json={"RecordType": "SpamComplaint", "Email": user["email"]},
        headers=headers,
    )
    assert_error(response, 401, "UNAUTHORIZED")
    async with sessionmaker() as db:
        row = await db.get(User, user["id"])
    assert row is not None
    assert not row.email_undeliverable


async def test_an_undeliverable_address_is_skipped_not_sent(
    api: httpx.AsyncClient, signed_up: SignUp, sandbox: AsyncSandbox, worker: Any
) -> None:
    headers, user = await signed_up()
    await sandbox.send_postmark_bounce(user["email"])
    started = (await api.post("/v1/users/me/verification", headers=headers)).json()
    await sandbox.verify_identity(started["verificationSessionId"])

    async def verified() -> bool:
        state = (await api.get("/v1/users/me/verification", headers=headers)).json()
        return bool(state["status"] == "verified")

    await eventually(verified)
    assert await sandbox.emails(to=user["email"], tag="verification_verified") == []


def test_the_hosting_gate() -> None:
    unverified = User(is_verified=False)
    with pytest.raises(VerificationRequired) as raised:
        require_verified(unverified)
    assert (raised.value.code, raised.value.status) == ("VERIFICATION_REQUIRED", 403)
    require_verified(User(is_verified=True))
