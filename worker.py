"""The Temporal worker: every workflow and activity of the task queue, wired to their clients once.

`python worker.py` runs it until SIGTERM or Ctrl-C, then lets running activities finish.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Sequence
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker

import logs
from activities.clients import postmark_client, stripe_client
from activities.email import EmailActivities
from activities.verification import VerificationActivities
from db.session import make_engine, make_sessionmaker
from settings import AppEnv, Settings, load
from workflows.verification import VerificationWorkflow

log = structlog.get_logger("worker")

WORKFLOWS: Sequence[type] = (VerificationWorkflow,)


def activities(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> list[Callable[..., Any]]:
    """Every activity, bound to the clients it needs."""
    stripe = stripe_client(settings)
    verification = VerificationActivities(stripe, sessionmaker, settings.frontend_url)
    email = EmailActivities(
        postmark_client(settings),
        sessionmaker,
        email_from=settings.email_from,
        frontend_url=settings.frontend_url,
    )
    return [
        verification.begin_attempt,
        verification.create_session,
        verification.retrieve_session,
        verification.cancel_session,
        verification.record_outcome,
        email.send_email,
    ]


def build_worker(
    client: Client, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> Worker:
    return Worker(
        client,
        task_queue=settings.temporal_task_queue,
        workflows=list(WORKFLOWS),
        activities=activities(settings, sessionmaker),
    )


async def connect(settings: Settings) -> Client:
    return await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)


async def main() -> None:
    settings = load()
    logs.configure(json=settings.app_env is not AppEnv.DEV)
    engine = make_engine(settings.sqlalchemy_url)
    client = await connect(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    worker = build_worker(client, settings, make_sessionmaker(engine))
    log.info("worker started", task_queue=settings.temporal_task_queue)
    async with worker:  # leaving the block shuts the worker down gracefully
        await stop.wait()
        log.info("worker stopping")
    await engine.dispose()
    log.info("worker stopped")


if __name__ == "__main__":
    asyncio.run(main())
