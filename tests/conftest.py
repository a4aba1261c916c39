"""The test session's stack: pgserver, a Temporal dev server and the sandbox on free ports.

Nothing needs to be running before `make test`; everything started here is stopped at the end.
Tests talk to the API over HTTP (ASGI in-process) exactly as the mobile app does, and read
the database directly only to assert what the API cannot show.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
import uvicorn
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker

import embedded
from api.app import create_app
from db.migrate import upgrade
from db.session import make_engine, make_sessionmaker
from sandbox.config import SandboxConfig
from sandbox.testing import running_sandbox
from settings import Settings
from tests.support import AsyncSandbox, Stack
from worker import build_worker


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data = tmp_path_factory.mktemp("stack")
    with ExitStack() as running:
        database_url = running.enter_context(embedded.postgres(data / "postgres"))
        temporal = running.enter_context(embedded.temporal(port=embedded.free_port()))
        sandbox = running.enter_context(running_sandbox(SandboxConfig(port=embedded.free_port())))
        upgrade(database_url)
        env = {
            "APP_ENV": "test",
            "DATABASE_URL": database_url,
            "TEMPORAL_ADDRESS": temporal.address,
            "TEMPORAL_TASK_QUEUE": f"momento-test-{uuid.uuid4().hex[:8]}",
            **embedded.sandbox_settings(sandbox),
            "EMAIL_FROM": "Momento <hello@momento.test>",
            "FRONTEND_URL": "http://localhost:8081",
        }
        saved = dict(os.environ)
        os.environ.update(env)
        try:
            yield Stack(env=env, sandbox=sandbox)
        finally:
            os.environ.clear()
            os.environ.update(saved)


@pytest.fixture(scope="session")
def settings(stack: Stack) -> Settings:
    return Settings()  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture(scope="session")
async def api_url(app: Litestar, stack: Stack) -> AsyncIterator[str]:
    """The API on a real port, so the sandbox can deliver webhooks to it."""
    port = embedded.free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  # uvicorn offers a flag, not an event
        await asyncio.sleep(0.02)
    url = f"http://127.0.0.1:{port}"
    stack.sandbox.configure(
        stripe_webhook_urls=[f"{url}/webhooks/stripe"],
        postmark_webhook_url=f"{url}/webhooks/postmark",
        clerk_webhook_url=f"{url}/webhooks/clerk",
    )
    yield url
    server.should_exit = True
    await serving


@pytest.fixture(scope="session")
async def api(api_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The mobile app's view: HTTP to the running API."""
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
async def temporal(settings: Settings) -> Client:
    return await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)


@pytest.fixture(scope="session")
async def worker(
    temporal: Client, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Worker]:
    """The worker of the session's task queue, in this process."""
    running = build_worker(temporal, settings, sessionmaker)
    task = asyncio.create_task(running.run())
    yield running
    await running.shutdown()
    await task


@pytest.fixture(scope="session")
async def sessionmaker(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(settings.sqlalchemy_url, pool_size=2)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def token(stack: Stack) -> Callable[..., str]:
    """Mint a Clerk session token from the sandbox: `token("user_123", role="operator")`."""
    return stack.sandbox.mint_token


@pytest.fixture
def new_subject() -> Callable[[], str]:
    return lambda: f"user_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def signed_up(
    api: httpx.AsyncClient, token: Callable[..., str], new_subject: Callable[[], str]
) -> Callable[..., Awaitable[tuple[dict[str, str], dict[str, Any]]]]:
    """Create a profile through the API; returns the caller's headers and the User."""

    async def sign_up(**profile: Any) -> tuple[dict[str, str], dict[str, Any]]:
        headers = {"Authorization": f"Bearer {token(new_subject())}"}
        body = {"firstName": "Ada", "email": f"{uuid.uuid4().hex[:8]}@example.com", **profile}
        response = await api.post("/v1/users", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return headers, response.json()

    return sign_up


@pytest.fixture
def sandbox(stack: Stack, api_url: str) -> AsyncSandbox:
    """The sandbox's controls (webhooks already pointed at the running API)."""
    return AsyncSandbox(stack.sandbox)
