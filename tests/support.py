"""Small helpers shared by the tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sandbox.client import SandboxClient

T = TypeVar("T")


@dataclass(frozen=True)
class Stack:
    env: dict[str, str]
    sandbox: SandboxClient


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The contract's error shape, with the request id echoed in the header."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["details"], dict)
    assert error["requestId"] == response.headers["x-request-id"]
    return dict(error)


async def eventually(check: Callable[[], Awaitable[T]], *, within: float = 15.0) -> T:
    """Polls `check` until it returns a truthy value; fails with the last value after `within` s."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not true after {within} s: {value!r}")
        await asyncio.sleep(0.1)


class AsyncSandbox:
    """The sandbox's controls, called off the event loop: some of them (webhook senders) call
    back into the API that this very loop serves."""

    def __init__(self, client: SandboxClient):
        self.client = client

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self.client, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await asyncio.to_thread(method, *args, **kwargs)

        return call
