"""The request id (echoed in `X-Request-Id` and in every error) and the one log line a request.

The id is created lazily in the ASGI scope, so responses that never reach a route handler
(unknown routes, wrong methods) carry one too.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from litestar.datastructures import MutableScopeHeaders
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("api.request")

HEADER = "x-request-id"
_SAFE_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def request_id(scope: Scope) -> str:
    state: dict[str, Any] = scope.setdefault("state", {})
    if "request_id" not in state:
        incoming = _incoming_id(scope)
        state["request_id"] = incoming or f"req_{uuid.uuid4().hex}"
    return str(state["request_id"])


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == HEADER.encode():
            candidate = value.decode("latin-1")
            return candidate if _SAFE_INCOMING_ID.match(candidate) else None
    return None


async def add_request_id_and_log(message: Message, scope: Scope) -> None:
    """`before_send` hook: runs for every response the app sends."""
    if message["type"] != "http.response.start":
        return
    rid = request_id(scope)
    MutableScopeHeaders.from_message(message)[HEADER] = rid
    state = scope.get("state", {})
    started = state.get("started_at")
    log.info(
        "request",
        request_id=rid,
        method=scope.get("method"),
        route=scope.get("path_template") or scope.get("path"),
        status=message["status"],
        duration_ms=round((time.perf_counter() - started) * 1000, 1) if started else None,
    )


class RequestContextMiddleware(ASGIMiddleware):
    """Binds the request id and route to every log line written while a request runs."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        scope.setdefault("state", {})["started_at"] = time.perf_counter()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request_id(scope), route=scope.get("path_template")
        )
        await next_app(scope, receive, send)
