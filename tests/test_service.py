"""Service routes: health, readiness with what is down named, metrics and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from embedded import free_port
from settings import Settings


async def test_health(api: httpx.AsyncClient) -> None:
    response = await api.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_ready_when_everything_answers(api: httpx.AsyncClient) -> None:
    response = await api.get("/ready")
    assert (response.status_code, response.json()) == (200, {"database": "ok", "temporal": "ok"})


@pytest.mark.parametrize(
    ("override", "down"),
    [
        ({"database_url": "postgresql://postgres@127.0.0.1:{port}/postgres"}, "database"),
        ({"temporal_address": "127.0.0.1:{port}"}, "temporal"),
    ],
)
async def test_ready_names_what_is_down(
    settings: Settings, override: dict[str, str], down: str
) -> None:
    broken = settings.model_copy(
        update={k: v.format(port=free_port()) for k, v in override.items()}
    )
    async with AsyncTestClient(create_app(broken)) as client:
        response = await client.get("/ready")
        health = await client.get("/health")
    assert response.status_code == 503
    assert response.json()[down] == "down"
    assert health.status_code == 200  # liveness touches no dependency


async def test_metrics_by_route_template(api: httpx.AsyncClient, signed_up: Any) -> None:
    headers, _ = await signed_up()
    await api.get("/v1/users/me", headers=headers)
    text = (await api.get("/metrics")).text
    assert 'path="/v1/users/me"' in text
    assert "litestar_request_duration_seconds" in text


async def test_openapi_lists_every_route_with_schemas(api: httpx.AsyncClient) -> None:
    document = (await api.get("/schema/openapi.json")).json()
    routes = {(path, method) for path, item in document["paths"].items() for method in item}
    for expected in [
        ("/health", "get"),
        ("/ready", "get"),
        ("/v1/users", "post"),
        ("/v1/users/me", "get"),
        ("/v1/users/me", "patch"),
        ("/v1/users/me", "delete"),
        ("/v1/users/me/verification", "post"),
        ("/webhooks/stripe", "post"),
    ]:
        assert expected in routes
    schemas = document["components"]["schemas"]
    assert {"UserCreate", "UserRead", "UserUpdate"} <= schemas.keys()
    assert "firstName" in schemas["UserCreate"]["properties"]
    assert document["paths"]["/v1/users"]["post"]["security"] == [{"clerk": []}]
