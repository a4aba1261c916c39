"""The one email activity: every message of every workflow goes out through the outbox.

The `emails` row, keyed by the idempotency key, is written and locked before Postmark is
called and marked sent with Postmark's MessageID after, so a key already sent is not sent
again; Postmark has no idempotency keys of its own. The one gap left is a crash between
Postmark's answer and the commit, which can repeat that one message.
"""

from __future__ import annotations

import asyncio
from typing import Any

import requests
from postmarker.core import PostmarkClient
from postmarker.exceptions import ClientError
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.email_templates import render
from db.models import Email, EmailStatus, User
from workflows.email import SEND_EMAIL, SendEmailInput, SendEmailResult

# Postmark's "invalid address" and "inactive recipient": the address itself is the problem.
UNDELIVERABLE_CODES = {300, 406}
FINAL = {EmailStatus.SENT, EmailStatus.SKIPPED, EmailStatus.FAILED}


def _http_status(error: ClientError) -> int | None:
    cause = error.__cause__
    if isinstance(cause, requests.HTTPError) and cause.response is not None:
        return int(cause.response.status_code)
    return None


class EmailActivities:
    def __init__(
        self,
        postmark: PostmarkClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        email_from: str,
        frontend_url: str,
    ):
        self._postmark = postmark
        self._db = sessionmaker
        self._from = email_from
        self._frontend_url = frontend_url.rstrip("/")

    @activity.defn(name=SEND_EMAIL)
    async def send_email(self, input: SendEmailInput) -> SendEmailResult:
        async with self._db.begin() as db:
            user = await db.get(User, input.user_id)
            if user is None:
                raise ApplicationError("no such user", type="UserNotFound", non_retryable=True)
            email = await self._claim(db, input, user)
            if email.status in FINAL:
                return SendEmailResult(email.status.value, email.provider_message_id)
            if not user.email or user.email_undeliverable:
                email.status = EmailStatus.SKIPPED
                email.error = "no deliverable address"
                return SendEmailResult(EmailStatus.SKIPPED.value)
            rendered = render(input.kind, self._context(input, user))
            email.subject = rendered.subject
            try:
                answer = await asyncio.to_thread(
                    self._postmark.emails.send,
                    From=self._from,
                    To=user.email,
                    Subject=rendered.subject,
                    TextBody=rendered.text,
                    HtmlBody=rendered.html,
                    Tag=input.kind,
                    Metadata={"idempotency_key": input.idempotency_key},
                    MessageStream="outbound",
                )
            except ClientError as error:
                status = _http_status(error)
                if error.error_code in UNDELIVERABLE_CODES or status == 422:
                    email.status = EmailStatus.FAILED
                    email.error = str(error)
                    # Committed below with the row; the workflow decides what a failure means.
                    failure = ApplicationError(
                        str(error), type="EmailRejected", non_retryable=True
                    )
                elif status == 401:
                    raise ApplicationError(
                        "Postmark refused the server token", type="PostmarkUnauthorized",
                        non_retryable=True,
                    ) from None  # fmt: skip
                else:
                    raise  # 429, 5xx: Temporal retries with backoff
            else:
                email.status = EmailStatus.SENT
                email.provider_message_id = str(answer["MessageID"])
                email.sent_at = func.now()
                return SendEmailResult(EmailStatus.SENT.value, email.provider_message_id)
        raise failure

    async def _claim(self, db: AsyncSession, input: SendEmailInput, user: User) -> Email:
        """The outbox row for this key, locked so that overlapping attempts send once."""
        await db.execute(
            insert(Email)
            .values(
                idempotency_key=input.idempotency_key,
                kind=input.kind,
                user_id=user.id,
                to_address=user.email or "",
                subject="",
            )
            .on_conflict_do_nothing(index_elements=[Email.idempotency_key])
        )
        email = await db.scalar(
            select(Email).where(Email.idempotency_key == input.idempotency_key).with_for_update()
        )
        assert email is not None  # noqa: S101  # inserted or found just above
        return email

    def _context(self, input: SendEmailInput, user: User) -> dict[str, Any]:
        return {"first_name": user.first_name, "frontend_url": self._frontend_url, **input.context}


