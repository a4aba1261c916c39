"""Ending a user's running workflows when the user is deleted (by the app or by Clerk)."""

from __future__ import annotations

import structlog
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from workflows.ids import verification_id
from workflows.signals import END, EndSignal

log = structlog.get_logger("api.user_workflows")


async def signal_if_running(temporal: Client, workflow_id: str, name: str, arg: object) -> bool:
    """True when the signal reached a running workflow; False when none runs under that id."""
    try:
        await temporal.get_workflow_handle(workflow_id).signal(name, arg)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def end_user_workflows(temporal: Client, user_id: str, reason: str) -> None:
    if await signal_if_running(temporal, verification_id(user_id), END, EndSignal(reason)):
        log.info("verification ended", user_id=user_id, reason=reason)
