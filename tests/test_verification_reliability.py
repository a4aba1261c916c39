"""Verification under failure: flaky Stripe and Postmark, a worker killed mid-flight, the 7-day
timeout (in the time-skipping test server), and a recorded history that must still replay."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

import embedded
from api.app import create_app
from db.models import Email, EmailStatus, User
from settings import Settings
from tests.support import AsyncSandbox, eventually
from worker import build_worker
from workflows.verification import VerificationInput, VerificationWorkflow

ROOT = Path(__file__).parent.parent
HISTORIES = Path(__file__).parent / "histories"

SignUp = Callable[..., Awaitable[tuple[dict[str, str], dict[str, Any]]]]


async def verified_status(api: Any, headers: dict[str, str]) -> bool:
    state = (await api.get("/v1/users/me/verification", headers=headers)).json()
    return bool(state["status"] == "verified")


@pytest.mark.usefixtures("worker")
async def test_flaky_stripe_and_postmark(
    api: httpx.AsyncClient,
    signed_up: SignUp,
    sandbox: AsyncSandbox,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    users = [await signed_up() for _ in range(4)]
    await sandbox.set_faults("stripe", 0.3, statuses=[500, 429], seed=7)
    await sandbox.set_faults("postmark", 0.3, statuses=[500, 429], seed=11)
    try:
        sessions = []
        for headers, _ in users:
            while True:  # the app retries a 503 as a mobile client would
                response = await api.post("/v1/users/me/verification", headers=headers)
                if response.status_code == 200:
                    sessions.append(response.json()["verificationSessionId"])
                    break
                assert response.status_code == 503, response.text
        for session_id in sessions:
            await sandbox.verify_identity(session_id)
        for headers, _ in users:
            await eventually(lambda h=headers: verified_status(api, h), within=60)
        for _, user in users:
            await eventually(
                lambda u=user: sandbox.emails(to=u["email"], tag="verification_verified"),
                within=60,
            )
    finally:
        await sandbox.clear_faults()
    await asyncio.sleep(1)  # give a duplicate a chance to show
    for _, user in users:
        assert len(await sandbox.emails(to=user["email"], tag="verification_verified")) == 1
    async with sessionmaker() as db:
        statuses = (
            await db.scalars(
                select(Email.status).where(Email.user_id.in_([u["id"] for _, u in users]))
            )
        ).all()
    assert statuses == [EmailStatus.SENT] * len(users)


@pytest.fixture
def killable_worker(settings: Settings) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """`python worker.py` as a process of its own, on a task queue of its own."""
    queue = f"kill-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "TEMPORAL_TASK_QUEUE": queue}
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env)
        started.append(process)
        return process

    start.queue = queue  # type: ignore[attr-defined]
    yield start
    for process in started:
        embedded.stop(process)


async def test_worker_killed_mid_verification(
    settings: Settings,
    signed_up: SignUp,
    sandbox: AsyncSandbox,
    api_url: str,
    killable_worker: Any,
) -> None:
    on_queue = settings.model_copy(update={"temporal_task_queue": killable_worker.queue})
    headers, user = await signed_up()
    first = killable_worker()
    async with AsyncTestClient(create_app(on_queue)) as app:
        started = (await app.post("/v1/users/me/verification", headers=headers)).json()
        first.send_signal(signal.SIGKILL)
        first.wait()
        # Stripe's webhook arrives while no worker runs: it is signalled and waits.
        await sandbox.verify_identity(started["verificationSessionId"])
        await asyncio.sleep(1)
        assert not await verified_status(app, headers)
        killable_worker()
        await eventually(lambda: verified_status(app, headers), within=60)
    sessions = [
        s
        for s in await sandbox.objects("verification_sessions")
        if s["metadata"].get("user_id") == user["id"]
    ]
    assert len(sessions) == 1
    emails = await eventually(lambda: sandbox.emails(to=user["email"], tag="verification_verified"))
    assert len(emails) == 1


@pytest.fixture(scope="module")
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=embedded.binary("temporal-test-server")
    ) as env:
        yield env


async def test_seven_day_timeout(
    time_skipping: WorkflowEnvironment,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    signed_up: SignUp,
    sandbox: AsyncSandbox,
) -> None:
    _, user = await signed_up()
    queue = f"timeout-{uuid.uuid4().hex[:8]}"
    on_queue = settings.model_copy(update={"temporal_task_queue": queue})
    async with build_worker(time_skipping.client, on_queue, sessionmaker):
        result = await time_skipping.client.execute_workflow(
            VerificationWorkflow.run,
            VerificationInput(
                user_id=user["id"],
                timeout_seconds=int(
                    timedelta(days=settings.verification_timeout_days).total_seconds()
                ),
                poll_seconds=3600,
            ),
            id=f"verification:{user['id']}",
            task_queue=queue,
        )
    assert (result.status, result.error_code) == ("failed", "timeout")
    async with sessionmaker() as db:
        row = await db.get(User, user["id"])
    assert row is not None
    assert row.verification_status == "failed"
    assert row.verification_error == {
        "code": "timeout",
        "reason": "The verification was not completed in time.",
    }
    session = next(
        s
        for s in await sandbox.objects("verification_sessions")
        if s["metadata"].get("user_id") == user["id"]
    )
    assert session["status"] == "canceled"
    assert len(await sandbox.emails(to=user["email"], tag="verification_failed")) == 1


@pytest.mark.parametrize(
    "history", sorted(HISTORIES.glob("verification_*.json")), ids=lambda p: p.stem
)
async def test_recorded_histories_replay(history: Path) -> None:
    """A change that makes the workflow non-deterministic fails here, before it reaches a worker."""
    recorded = WorkflowHistory.from_json(history.stem, history.read_text())  # noqa: ASYNC240
    await Replayer(workflows=[VerificationWorkflow]).replay_workflow(recorded)


def test_histories_are_recorded() -> None:
    assert sorted(HISTORIES.glob("verification_*.json")), (
        "record them with tests/histories/record.py"
    )
