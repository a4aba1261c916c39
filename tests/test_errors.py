"""Every error has the contract's shape, the framework's own included, and every response
carries X-Request-Id."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest
from litestar import Litestar, get

from tests.support import assert_error


async def test_unknown_route(api: httpx.AsyncClient) -> None:
    assert_error(await api.get("/v1/nothing-here"), 404, "NOT_FOUND")


async def test_wrong_method(api: httpx.AsyncClient) -> None:
    assert_error(await api.put("/health"), 405, "METHOD_NOT_ALLOWED")


async def test_malformed_json(api: httpx.AsyncClient, token: Callable[..., str]) -> None:
    response = await api.post(
        "/v1/users",
        content=b'{"firstName": ',
        headers={
            "Authorization": f"Bearer {token('user_json')}",
            "Content-Type": "application/json",
        },
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert error["details"]["fields"]


async def test_wrong_types_name_the_fields(
    api: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    response = await api.post(
        "/v1/users",
        json={"firstName": 42},
        headers={"Authorization": f"Bearer {token('user_types')}"},
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert "firstName" in error["details"]["fields"]


async def test_body_over_one_mebibyte(api: httpx.AsyncClient, token: Callable[..., str]) -> None:
    response = await api.post(
        "/v1/users",
        content=b'{"firstName": "' + b"a" * (1024 * 1024) + b'"}',
        headers={
            "Authorization": f"Bearer {token('user_big')}",
            "Content-Type": "application/json",
        },
    )
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")


async def test_unexpected_exception_is_a_500_without_traceback(
    api: httpx.AsyncClient, app: Litestar, caplog: pytest.LogCaptureFixture
) -> None:
    @get("/boom", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    app.register(boom)
    with caplog.at_level(logging.ERROR):
        response = await api.get("/boom")
    error = assert_error(response, 500, "SERVICE_UNAVAILABLE")
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    logged = [r.getMessage() for r in caplog.records if "unexpected error" in r.getMessage()]
    assert logged, "the exception is logged"
    assert "secret internal detail" in logged[0]
    assert error["requestId"] in caplog.text


async def test_every_response_carries_a_request_id(api: httpx.AsyncClient) -> None:
    for response in [
        await api.get("/health"),
        await api.get("/missing"),
        await api.get("/v1/users/me"),
    ]:
        assert response.headers["x-request-id"]


async def test_a_sane_incoming_request_id_is_echoed(api: httpx.AsyncClient) -> None:
    response = await api.get("/health", headers={"X-Request-Id": "mobile-1234-abcd"})
    assert response.headers["x-request-id"] == "mobile-1234-abcd"
    hostile = await api.get("/health", headers={"X-Request-Id": "<script>" * 20})
    assert hostile.headers["x-request-id"].startswith("req_")


async def test_tokens_never_reach_the_logs(
    api: httpx.AsyncClient, token: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    secret_token = token("user_logs")
    with caplog.at_level(logging.DEBUG):
        await api.get("/v1/users/me", headers={"Authorization": f"Bearer {secret_token}"})
        await api.get("/v1/users/me", headers={"Authorization": "Bearer forged.token.value"})
    assert caplog.records
    assert secret_token not in caplog.text
    assert "forged.token.value" not in caplog.text
