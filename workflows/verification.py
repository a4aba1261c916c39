"""VerificationWorkflow: one identity-verification attempt of one user, from the Stripe Identity
session to the verified (or failed) user and the email that says so.

The webhook signal is only a nudge: every decision is made on the session as re-read from
Stripe, and a timer re-reads it anyway when no webhook comes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.exceptions import ActivityError

from workflows.email import SEND_EMAIL, SendEmailInput, SendEmailResult
from workflows.retry import ACTIVITY_RETRY, ACTIVITY_TIMEOUT
from workflows.signals import END, STRIPE_EVENT, EndSignal, StripeEventSignal

# Activity names: the workflow calls them by name so that it imports no SDK.
BEGIN_ATTEMPT = "begin_verification_attempt"
CREATE_SESSION = "create_verification_session"
RETRIEVE_SESSION = "retrieve_verification_session"
CANCEL_SESSION = "cancel_verification_session"
RECORD_OUTCOME = "record_verification_outcome"

T = TypeVar("T")

# Re-reading every poll interval for days would grow the history without bound.
POLLS_PER_RUN = 500


@dataclass(frozen=True)
class VerificationInput:
    user_id: str
    timeout_seconds: int
    poll_seconds: int
    # Carried across continue-as-new, unset on the first run.
    attempt: int | None = None
    session: VerificationSession | None = None
    deadline: datetime | None = None


@dataclass(frozen=True)
class VerificationSession:
    session_id: str
    client_secret: str


@dataclass(frozen=True)
class BeginAttemptInput:
    user_id: str
    run_id: str


@dataclass(frozen=True)
class CreateSessionInput:
    user_id: str
    workflow_id: str
    attempt: int


@dataclass(frozen=True)
class SessionState:
    """What Stripe says of the session: `status` and, after a failed check, why."""

    status: str
    error_code: str | None = None
    error_reason: str | None = None


@dataclass(frozen=True)
class Outcome:
    verified: bool
    error_code: str | None = None
    error_reason: str | None = None


CANCELED = Outcome(False, "canceled", "The verification session was canceled.")
TIMED_OUT = Outcome(False, "timeout", "The verification was not completed in time.")


@dataclass(frozen=True)
class RecordOutcomeInput:
    user_id: str
    session_id: str
    outcome: Outcome


@dataclass(frozen=True)
class VerificationResult:
    status: str  # verified | failed | ended
    error_code: str | None = None


def outcome_of(state: SessionState) -> Outcome | None:
    """None while the user (or Stripe) still has work to do."""
    if state.status == "verified":
        return Outcome(verified=True)
    if state.status == "canceled":
        return CANCELED
    if state.status == "requires_input" and state.error_code:
        return Outcome(False, state.error_code, state.error_reason)
    return None


@workflow.defn
class VerificationWorkflow:
    def __init__(self) -> None:
        self._session: VerificationSession | None = None
        self._nudged = False
        self._ended: str | None = None

    @workflow.run
    async def run(self, input: VerificationInput) -> VerificationResult:
        attempt = input.attempt
        if attempt is None:
            run = BeginAttemptInput(input.user_id, workflow.info().run_id)
            attempt = await self._activity(BEGIN_ATTEMPT, run, int)
        session = input.session
        if session is None:
            create = CreateSessionInput(input.user_id, workflow.info().workflow_id, attempt)
            session = await self._activity(CREATE_SESSION, create, VerificationSession)
        self._session = session
        deadline = input.deadline or workflow.now() + timedelta(seconds=input.timeout_seconds)
        session_id = session.session_id

        for _ in range(POLLS_PER_RUN):
            remaining = deadline - workflow.now()
            if self._ended is None and remaining > timedelta(0):
                await self._wait_for_news(min(remaining, timedelta(seconds=input.poll_seconds)))
            if self._ended is not None:
                await self._activity(CANCEL_SESSION, session_id, SessionState)
                return VerificationResult(status="ended")
            state = await self._activity(RETRIEVE_SESSION, session_id, SessionState)
            outcome = outcome_of(state)
            if outcome is None and workflow.now() >= deadline:
                await self._activity(CANCEL_SESSION, session_id, SessionState)
                outcome = TIMED_OUT
            if outcome is not None:
                record = RecordOutcomeInput(input.user_id, session_id, outcome)
                return await self._finish(record, attempt)

        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(
            replace(input, attempt=attempt, session=session, deadline=deadline)
        )

    async def _wait_for_news(self, at_most: timedelta) -> None:
        self._nudged = False
        try:
            await workflow.wait_condition(
                lambda: self._nudged or self._ended is not None, timeout=at_most
            )
        except TimeoutError:
            pass  # the polling fallback: re-read the session although no webhook came

    async def _finish(self, record: RecordOutcomeInput, attempt: int) -> VerificationResult:
        await self._activity(RECORD_OUTCOME, record, bool)
        outcome = record.outcome
        kind = "verification_verified" if outcome.verified else "verification_failed"
        context = {} if outcome.verified else {"reason": outcome.error_reason or ""}
        try:
            await self._activity(
                SEND_EMAIL,
                SendEmailInput(
                    idempotency_key=f"verification:{record.user_id}:{attempt}:{kind}",
                    kind=kind,
                    user_id=record.user_id,
                    context=context,
                ),
                SendEmailResult,
            )
        except ActivityError as error:
            # The user's status is already right; a lost email must not undo it.
            workflow.logger.warning("verification email not sent: %s", error.cause)
        if outcome.verified:
            return VerificationResult(status="verified")
        return VerificationResult(status="failed", error_code=outcome.error_code)

    async def _activity(self, name: str, argument: object, result_type: type[T]) -> T:
        result: T = await workflow.execute_activity(
            name,
            argument,
            result_type=result_type,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        return result

    @workflow.update
    async def session(self) -> VerificationSession:
        """The session for the app to open; waits until it exists."""
        await workflow.wait_condition(lambda: self._session is not None)
        assert self._session is not None  # noqa: S101  # for the type checker
        return self._session

    @workflow.signal(name=STRIPE_EVENT)
    def stripe_event(self, event: StripeEventSignal) -> None:
        self._nudged = True

    @workflow.signal(name=END)
    def end(self, signal: EndSignal) -> None:
        self._ended = signal.reason
