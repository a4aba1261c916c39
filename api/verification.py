"""Identity verification: start (or resume) the caller's VerificationWorkflow, read its state."""

from __future__ import annotations

from datetime import datetime, timedelta

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from msgspec import Struct
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy

from api.errors import Conflict, ServiceUnavailable
from api.users import provide_current_user
from db.models import User, VerificationStatus
from settings import Settings
from workflows.ids import verification_id
from workflows.verification import VerificationInput, VerificationWorkflow

# The app waits for the Stripe session; past this, it retries and gets the same session.
SESSION_WAIT = timedelta(seconds=20)


class VerificationStarted(Struct, rename="camel"):
    status: str
    verification_session_id: str
    client_secret: str
    workflow_id: str


class VerificationError(Struct):
    code: str | None
    reason: str | None


class VerificationState(Struct, rename="camel"):
    status: VerificationStatus
    verification_session_id: str | None
    last_error: VerificationError | None
    verified_at: datetime | None


class VerificationController(Controller):
    path = "/users/me/verification"
    tags = ["users"]
    dependencies = {"me": Provide(provide_current_user)}

    @post("/", status_code=200, summary="Start or resume identity verification")
    async def start(
        self,
        me: NamedDependency[User],
        temporal: NamedDependency[Client],
        settings: NamedDependency[Settings],
    ) -> VerificationStarted:
        if me.verification_status is VerificationStatus.VERIFIED:
            raise Conflict("Your identity is already verified.")
        workflow_id = verification_id(me.id)
        # One workflow per user: while it runs this finds it and returns the same session;
        # after a failed attempt it starts a new run, which opens a new session.
        start = WithStartWorkflowOperation(
            VerificationWorkflow.run,
            VerificationInput(
                user_id=me.id,
                timeout_seconds=int(
                    timedelta(days=settings.verification_timeout_days).total_seconds()
                ),
                poll_seconds=settings.verification_poll_seconds,
            ),
            id=workflow_id,
            task_queue=settings.temporal_task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        try:
            session = await temporal.execute_update_with_start_workflow(
                VerificationWorkflow.session,
                start_workflow_operation=start,
                rpc_timeout=SESSION_WAIT,
            )
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            raise ServiceUnavailable(
                "The verification session is not ready yet; retry in a few seconds."
            ) from None
        return VerificationStarted(
            status=VerificationStatus.PENDING.value,
            verification_session_id=session.session_id,
            client_secret=session.client_secret,
            workflow_id=workflow_id,
        )

    @get("/", summary="The caller's identity verification state")
    async def read(self, me: NamedDependency[User]) -> VerificationState:
        error = me.verification_error
        return VerificationState(
            status=me.verification_status,
            verification_session_id=me.verification_session_id,
            last_error=VerificationError(error.get("code"), error.get("reason")) if error else None,
            verified_at=me.verified_at,
        )
