"""One sandbox process per test session, reset before each test, plus a webhook receiver."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe
from postmarker.core import PostmarkClient

from sandbox.client import SandboxClient
from sandbox.config import SandboxConfig
from sandbox.testing import free_port, running_sandbox

STRIPE_KEY = "sk_test_sandbox"


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: str


class WebhookReceiver:
    """A tiny HTTP server that records what it is sent and answers scripted statuses."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.statuses: deque[int] = deque()  # answered in order, then 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                receiver.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = receiver.statuses.popleft() if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def clear(self) -> None:
        self.received.clear()
        self.statuses.clear()

    def wait_for(
        self, predicate: Callable[[list[Received]], bool], timeout: float = 5.0
    ) -> list[Received]:
        deadline = time.monotonic() + timeout
        while not predicate(self.received):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; received {self.received}")
            time.sleep(0.02)
        return list(self.received)

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="session")
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    yield server
    server.close()


@pytest.fixture(scope="session")
def sandbox_config(receiver: WebhookReceiver) -> SandboxConfig:
    return SandboxConfig(
        port=free_port(),
        stripe_webhook_urls=[receiver.url("/stripe")],
        postmark_webhook_url=receiver.url("/postmark"),
        clerk_webhook_url=receiver.url("/clerk"),
        # Fast retries keep the suite quick; the schedule's shape is the same as the default.
        webhook_retry_base_seconds=0.05,
        webhook_max_attempts=4,
        fault_seed=1234,
    )


@pytest.fixture(scope="session")
def session_sandbox(sandbox_config: SandboxConfig) -> Iterator[SandboxClient]:
    with running_sandbox(sandbox_config) as client:
        yield client


@pytest.fixture
def sandbox(
    session_sandbox: SandboxClient, sandbox_config: SandboxConfig, receiver: WebhookReceiver
) -> SandboxClient:
    session_sandbox.reset()
    session_sandbox.configure(
        stripe_webhook_urls=list(sandbox_config.stripe_webhook_urls),
        postmark_webhook_url=sandbox_config.postmark_webhook_url,
        clerk_webhook_url=sandbox_config.clerk_webhook_url,
    )
    receiver.clear()
    return session_sandbox


@pytest.fixture
def stripe_client(sandbox: SandboxClient) -> stripe.StripeClient:
    return stripe.StripeClient(
        STRIPE_KEY, base_addresses={"api": sandbox.base_url}, max_network_retries=0
    )


@pytest.fixture
def postmark(sandbox: SandboxClient, sandbox_config: SandboxConfig) -> PostmarkClient:
    return PostmarkClient(
        server_token=sandbox_config.postmark_server_token, root_api_url=sandbox.base_url
    )
