"""Activities against the sandbox over HTTP: errors classified for Temporal's retries,
idempotent Stripe calls and the email outbox's exactly-once sending."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.clients import postmark_client, stripe_client
from activities.email import EmailActivities
from activities.verification import VerificationActivities
from db.models import Email, EmailStatus
from embedded import free_port
from settings import Settings
from tests.support import AsyncSandbox
from workflows.email import SendEmailInput
from workflows.verification import CreateSessionInput

SignUp = Callable[..., Awaitable[tuple[dict[str, str], dict[str, Any]]]]


@pytest.fixture
def verification(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> VerificationActivities:
    return VerificationActivities(stripe_client(settings), sessionmaker, settings.frontend_url)


@pytest.fixture
def email(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> EmailActivities:
    return EmailActivities(
        postmark_client(settings),
        sessionmaker,
        email_from=settings.email_from,
        frontend_url=settings.frontend_url,
    )


async def run(activity: Callable[..., Awaitable[Any]], *args: Any) -> Any:
    return await ActivityEnvironment().run(activity, *args)


async def test_invalid_requests_are_not_retried(verification: VerificationActivities) -> None:
    with pytest.raises(ApplicationError) as raised:
        await run(verification.retrieve_session, "vs_does_not_exist")
    assert raised.value.type == "InvalidRequestError"
    assert raised.value.non_retryable


async def test_rate_limits_and_server_errors_are_retried(
    verification: VerificationActivities, sandbox: AsyncSandbox
) -> None:
    for status, kind in [(429, "RateLimitError"), (500, "APIError")]:
        await sandbox.set_faults("stripe", 1.0, statuses=[status])
        try:
            with pytest.raises(ApplicationError) as raised:
                await run(verification.retrieve_session, "vs_any")
        finally:
            await sandbox.clear_faults()
        assert raised.value.type == kind
        assert not raised.value.non_retryable


async def test_an_unreachable_stripe_is_retried(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    offline = settings.model_copy(update={"stripe_api_base": f"http://127.0.0.1:{free_port()}"})
    activities = VerificationActivities(stripe_client(offline), sessionmaker, settings.frontend_url)
    with pytest.raises(ApplicationError) as raised:
        await run(activities.retrieve_session, "vs_any")
    assert raised.value.type == "APIConnectionError"
    assert not raised.value.non_retryable


async def test_creating_a_session_twice_for_one_attempt_creates_one(
    verification: VerificationActivities, signed_up: SignUp, sandbox: AsyncSandbox
) -> None:
    _, user = await signed_up()
    attempt = CreateSessionInput(user["id"], f"verification:{user['id']}", 1)
    first = await run(verification.create_session, attempt)
    # A failure after Stripe created it (the answer lost) is retried with the same key.
    await sandbox.set_faults("stripe", 1.0, statuses=[500], when="after")
    try:
        with pytest.raises(ApplicationError):
            await run(verification.create_session, attempt)
    finally:
        await sandbox.clear_faults()
    again = await run(verification.create_session, attempt)
    assert again == first
    created = [
        s
        for s in await sandbox.objects("verification_sessions")
        if s["metadata"]["user_id"] == user["id"]
    ]
    assert len(created) == 1
    assert created[0]["return_url"].endswith("/verification-complete")
    assert created[0]["metadata"]["workflow_id"] == f"verification:{user['id']}"


async def test_an_email_key_is_sent_once(
    email: EmailActivities, signed_up: SignUp, sandbox: AsyncSandbox
) -> None:
    _, user = await signed_up()
    message = SendEmailInput(f"test:{user['id']}:once", "verification_verified", user["id"])
    first = await run(email.send_email, message)
    second = await run(email.send_email, message)
    assert first.status == "sent"
    assert second == first
    sent = await sandbox.emails(to=user["email"], tag="verification_verified")
    assert len(sent) == 1
    assert sent[0]["Metadata"] == {"idempotency_key": message.idempotency_key}
    assert sent[0]["TextBody"].startswith(f"Hi {user['firstName']},")


@pytest.mark.parametrize("address", ["someone@inactive.example", "not an address@"])
async def test_rejected_addresses_fail_without_retry(
    email: EmailActivities,
    signed_up: SignUp,
    sessionmaker: async_sessionmaker[AsyncSession],
    address: str,
) -> None:
    _, user = await signed_up()
    async with sessionmaker.begin() as db:  # bypass the API's validation: Clerk can send anything
        from db.models import User

        row = await db.get(User, user["id"])
        assert row is not None
        row.email = address
    message = SendEmailInput(
        f"test:{user['id']}:rejected", "verification_failed", user["id"], {"reason": "x"}
    )
    with pytest.raises(ApplicationError) as raised:
        await run(email.send_email, message)
    assert raised.value.type == "EmailRejected"
    assert raised.value.non_retryable
    async with sessionmaker() as db:
        outbox = await db.scalar(
            select(Email).where(Email.idempotency_key == message.idempotency_key)
        )
    assert outbox is not None
    assert outbox.status == EmailStatus.FAILED
    # The failure is final: trying the key again sends nothing and reports it.
    assert (await run(email.send_email, message)).status == "failed"


async def test_postmark_outages_are_retried(
    email: EmailActivities, signed_up: SignUp, sandbox: AsyncSandbox
) -> None:
    _, user = await signed_up()
    message = SendEmailInput(f"test:{user['id']}:outage", "verification_verified", user["id"])
    await sandbox.set_faults("postmark", 1.0, statuses=[503])
    try:
        with pytest.raises(Exception) as raised:  # noqa: PT011  # whatever postmarker raises
            await run(email.send_email, message)
    finally:
        await sandbox.clear_faults()
    assert not (isinstance(raised.value, ApplicationError) and raised.value.non_retryable)
    assert (await run(email.send_email, message)).status == "sent"
    assert len(await sandbox.emails(to=user["email"], tag="verification_verified")) == 1
