"""The ASGI app: Stripe, Postmark, Clerk and the controls, on one Litestar instance."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar, Request, get

from sandbox.config import SandboxConfig
from sandbox.controls import controls_router
from sandbox.postmark_api import send_batch, send_email
from sandbox.services import Sandbox, sandbox_of
from sandbox.stripe_api import stripe_v1


@get("/.well-known/jwks.json", include_in_schema=False)
async def jwks(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return sandbox_of(request).clerk_keys.jwks()


def create_app(config: SandboxConfig) -> Litestar:
    sandbox = Sandbox(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            # Give deliveries in flight a moment, then stop them and save the snapshot.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(sandbox.dispatcher.idle(), timeout=1.0)
            await sandbox.aclose()

    app = Litestar(
        route_handlers=[stripe_v1, send_email, send_batch, jwks, controls_router],
        lifespan=[lifespan],
        openapi_config=None,
    )
    app.state.sandbox = sandbox
    return app
