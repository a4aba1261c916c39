"""Stripe Event objects and their signed delivery to the configured webhook endpoints."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
from contextvars import ContextVar
from dataclasses import dataclass

from sandbox.config import SandboxConfig
from sandbox.delivery import Outbound, WebhookDispatcher
from sandbox.state import JsonObject, SandboxState, new_id, now

# The api_version stripe 16 pins; events echo the caller's Stripe-Version when it sent one.
DEFAULT_API_VERSION = "2026-10-28.endive"


@dataclass(frozen=True)
class RequestInfo:
    """The API request that caused an event, as Stripe reports it in `event.request`."""

    id: str | None = None
    idempotency_key: str | None = None
    api_version: str = DEFAULT_API_VERSION


# Set by the Stripe API layer for the duration of one request; controls leave it empty,
# as a change made from the phone or the dashboard would.
_current_request: ContextVar[RequestInfo | None] = ContextVar("current_request", default=None)


def set_current_request(info: RequestInfo | None) -> None:
    _current_request.set(info)


def current_request() -> RequestInfo:
    return _current_request.get() or RequestInfo()


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header exactly as Stripe makes it."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


class StripeEvents:
    def __init__(
        self, config: SandboxConfig, state: SandboxState, dispatcher: WebhookDispatcher
    ) -> None:
        self._config = config
        self._state = state
        self._dispatcher = dispatcher

    def emit(self, event_type: str, obj: JsonObject) -> JsonObject:
        request = current_request()
        event: JsonObject = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": request.api_version,
            "created": now(),
            # A snapshot: later changes to the object must not rewrite history.
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": len(self._config.stripe_webhook_urls),
            "request": {"id": request.id, "idempotency_key": request.idempotency_key},
            "type": event_type,
        }
        self._state.objects("events")[event["id"]] = event
        self.deliver(event)
        return event

    def deliver(self, event: JsonObject) -> list[str]:
        """Sends (or re-sends) an event to every configured endpoint; returns the URLs."""
        payload = json.dumps(event, indent=2)
        secret = self._config.stripe_webhook_secret
        urls = list(self._config.stripe_webhook_urls)
        for url in urls:
            self._dispatcher.enqueue(
                Outbound(
                    source="stripe",
                    event_id=event["id"],
                    event_type=event["type"],
                    url=url,
                    body=payload,
                    headers=lambda: {"Stripe-Signature": sign(payload, secret)},
                )
            )
        return urls
