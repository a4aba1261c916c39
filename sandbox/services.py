"""The one object that holds the sandbox's parts, shared by every route through app state."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Request

from sandbox.clerk import ClerkKeys
from sandbox.config import SandboxConfig
from sandbox.delivery import WebhookDispatcher
from sandbox.faults import FaultInjector
from sandbox.identity import Identity
from sandbox.state import SandboxState
from sandbox.stripe_payments import Payments
from sandbox.stripe_webhooks import StripeEvents


class Sandbox:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.state = SandboxState.load(config.data_dir)
        self.faults = FaultInjector(config.fault_seed)
        self.clerk_keys = ClerkKeys.load_or_create(config.data_dir)
        self.http = httpx.AsyncClient(timeout=5.0)
        self.dispatcher = WebhookDispatcher(
            self.state,
            self.http,
            max_attempts=lambda: config.webhook_max_attempts,
            base_delay=lambda: config.webhook_retry_base_seconds,
        )
        self.events = StripeEvents(config, self.state, self.dispatcher)
        self.payments = Payments(self.state, self.events)
        self.identity = Identity(self.state, self.events, config.base_url)

    def persist(self) -> None:
        if self.config.data_dir is not None:
            self.state.save(self.config.data_dir)

    async def reset(self) -> None:
        """Forgets everything but the config and the Clerk key."""
        await self.dispatcher.cancel_all()
        self.state.clear()
        self.faults.clear()
        self.persist()

    async def aclose(self) -> None:
        await self.dispatcher.cancel_all()
        await self.http.aclose()
        self.persist()


def sandbox_of(request: Request[Any, Any, Any]) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox
