"""Small helpers shared by the tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.client import SandboxClient


@dataclass(frozen=True)
class Stack:
    env: dict[str, str]
    sandbox: SandboxClient
    data_dir: Path


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The contract's error shape, with the request id echoed in the header."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    assert error["requestId"] == response.headers["x-request-id"]
    return dict(error)
