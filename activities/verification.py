"""Activities of VerificationWorkflow: the Stripe Identity session and the user's row.

Every Stripe call that creates something carries an idempotency key made of the business key
and the attempt, and every row change is guarded by the state it expects, so an activity that
runs twice (a retry, a restarted worker) changes nothing the second time.
"""

from __future__ import annotations

import stripe
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.stripe_errors import classify
from db.models import User, VerificationStatus
from workflows.verification import (
    BEGIN_ATTEMPT,
    CANCEL_SESSION,
    CREATE_SESSION,
    RECORD_OUTCOME,
    RETRIEVE_SESSION,
    BeginAttemptInput,
    CreateSessionInput,
    RecordOutcomeInput,
    SessionState,
    VerificationSession,
)


def session_state(session: stripe.identity.VerificationSession) -> SessionState:
    error = session.last_error
    return SessionState(
        status=session.status,
        error_code=error.code if error else None,
        error_reason=error.reason if error else None,
    )


class VerificationActivities:
    def __init__(
        self,
        stripe_client: stripe.StripeClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        frontend_url: str,
    ):
        self._sessions = stripe_client.v1.identity.verification_sessions
        self._db = sessionmaker
        self._return_url = f"{frontend_url.rstrip('/')}/verification-complete"

    @activity.defn(name=BEGIN_ATTEMPT)
    async def begin_attempt(self, input: BeginAttemptInput) -> int:
        """Counts a new attempt once per workflow run and marks the user pending."""
        async with self._db.begin() as db:
            await db.execute(
                update(User)
                .where(User.id == input.user_id)
                .where(User.verification_run_id.is_distinct_from(input.run_id))
                .values(
                    verification_run_id=input.run_id,
                    verification_attempts=User.verification_attempts + 1,
                    verification_status=VerificationStatus.PENDING,
                    verification_session_id=None,
                    verification_error=None,
                )
            )
            attempts = await db.scalar(
                select(User.verification_attempts).where(User.id == input.user_id)
            )
        if attempts is None:
            raise ApplicationError("no such user", type="UserNotFound", non_retryable=True)
        return attempts

    @activity.defn(name=CREATE_SESSION)
    async def create_session(self, input: CreateSessionInput) -> VerificationSession:
        try:
            session = await self._sessions.create_async(
                params={
                    "type": "document",
                    "return_url": self._return_url,
                    "metadata": {"user_id": input.user_id, "workflow_id": input.workflow_id},
                },
                options={"idempotency_key": f"verification:{input.user_id}:{input.attempt}"},
            )
        except stripe.StripeError as error:
            raise classify(error) from error
        if not session.client_secret:  # Stripe returns it on create; without it the app is stuck
            raise ApplicationError("session without client_secret", non_retryable=True)
        async with self._db.begin() as db:
            await db.execute(
                update(User)
                .where(User.id == input.user_id)
                .where(User.verification_status == VerificationStatus.PENDING)
                .values(verification_session_id=session.id)
            )
        return VerificationSession(session_id=session.id, client_secret=session.client_secret)

    @activity.defn(name=RETRIEVE_SESSION)
    async def retrieve_session(self, session_id: str) -> SessionState:
        try:
            return session_state(await self._sessions.retrieve_async(session_id))
        except stripe.StripeError as error:
            raise classify(error) from error

    @activity.defn(name=CANCEL_SESSION)
    async def cancel_session(self, session_id: str) -> SessionState:
        """Cancels unless the session is already over, which is just as good."""
        try:
            return session_state(await self._sessions.cancel_async(session_id))
        except stripe.InvalidRequestError:
            return await self.retrieve_session(session_id)
        except stripe.StripeError as error:
            raise classify(error) from error

    @activity.defn(name=RECORD_OUTCOME)
    async def record_outcome(self, input: RecordOutcomeInput) -> bool:
        """True when this call changed the user; false when an earlier run already had."""
        outcome = input.outcome
        if outcome.verified:
            values = {
                "verification_status": VerificationStatus.VERIFIED,
                "is_verified": True,
                "verified_at": func.now(),
                "verification_error": None,
            }
        else:
            values = {
                "verification_status": VerificationStatus.FAILED,
                "verification_error": {"code": outcome.error_code, "reason": outcome.error_reason},
            }
        async with self._db.begin() as db:
            result = await db.execute(
                update(User)
                .where(User.id == input.user_id)
                .where(User.verification_session_id == input.session_id)
                .where(User.verification_status == VerificationStatus.PENDING)
                .values(**values)
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]
