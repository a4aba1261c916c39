"""Outbound webhook delivery: POST, retry with backoff in the background, record every attempt."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from sandbox.state import JsonObject, SandboxState

# Each attempt gets fresh headers: a retried Stripe event carries a fresh signature timestamp.
HeaderFactory = Callable[[], dict[str, str]]


@dataclass(frozen=True)
class Outbound:
    source: str  # "stripe", "clerk" or "postmark"
    event_id: str
    event_type: str
    url: str
    body: str
    headers: HeaderFactory
    auth: tuple[str, str] | None = None


class WebhookDispatcher:
    def __init__(
        self,
        state: SandboxState,
        http: httpx.AsyncClient,
        *,
        max_attempts: Callable[[], int],
        base_delay: Callable[[], float],
    ) -> None:
        self._state = state
        self._http = http
        # Read at each retry so `POST /_sandbox/config` applies to deliveries in flight.
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._tasks: set[asyncio.Task[None]] = set()

    def enqueue(self, outbound: Outbound) -> None:
        """Delivers in the background, so the API call that caused the event is not delayed."""
        task = asyncio.get_running_loop().create_task(self._deliver_with_retries(outbound))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def send_once(self, outbound: Outbound) -> JsonObject:
        """One synchronous attempt, for controls that report the target's answer."""
        return await self._attempt(outbound, 1)

    async def idle(self) -> None:
        """Waits until no delivery is pending (used at shutdown, under a timeout)."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_with_retries(self, outbound: Outbound) -> None:
        attempt = 1
        while True:
            record = await self._attempt(outbound, attempt)
            if record["ok"] or attempt >= self._max_attempts():
                return
            await asyncio.sleep(self._base_delay() * 2 ** (attempt - 1))
            attempt += 1

    async def _attempt(self, outbound: Outbound, attempt: int) -> JsonObject:
        record: JsonObject = {
            "source": outbound.source,
            "eventId": outbound.event_id,
            "type": outbound.event_type,
            "url": outbound.url,
            "attempt": attempt,
            "statusCode": None,
            "error": None,
            "ok": False,
            "at": time.time(),
        }
        auth = httpx.BasicAuth(*outbound.auth) if outbound.auth else httpx.USE_CLIENT_DEFAULT
        try:
            response = await self._http.post(
                outbound.url,
                content=outbound.body.encode(),
                headers={"Content-Type": "application/json", **outbound.headers()},
                auth=auth,
            )
            record["statusCode"] = response.status_code
            record["ok"] = response.is_success
        except httpx.HTTPError as exc:
            record["error"] = f"{type(exc).__name__}: {exc}"
        self._state.deliveries.append(record)
        return record
