"""Records the workflow histories that the replay test checks every change against.

Run it on purpose, never in CI: `.venv/bin/pytest tests/histories/record.py`, then commit the
JSON files. Re-record only when a workflow change is meant to be incompatible (and versioned).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.worker import Worker

from tests.support import AsyncSandbox
from workflows.verification import VerificationWorkflow

HERE = Path(__file__).parent


@pytest.mark.parametrize("outcome", ["verified", "failed"])
async def test_record_verification(
    api: httpx.AsyncClient,
    signed_up: Callable[..., Awaitable[tuple[dict[str, str], dict[str, Any]]]],
    sandbox: AsyncSandbox,
    worker: Worker,
    outcome: str,
) -> None:
    headers, _ = await signed_up()
    started = (await api.post("/v1/users/me/verification", headers=headers)).json()
    if outcome == "verified":
        await sandbox.verify_identity(started["verificationSessionId"])
    else:
        await sandbox.fail_identity(started["verificationSessionId"], code="document_expired")
    handle = worker.client.get_workflow_handle_for(VerificationWorkflow.run, started["workflowId"])
    assert (await handle.result()).status == outcome
    history = await handle.fetch_history()
    (HERE / f"verification_{outcome}.json").write_text(history.to_json())
