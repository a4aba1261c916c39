"""Fixtures for the events tests: verified hosts and valid event bodies to vary one field of."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import User, VerificationStatus

Headers = dict[str, str]
SignUp = Callable[..., Awaitable[tuple[Headers, dict[str, Any]]]]


def event_body(**overrides: Any) -> dict[str, Any]:
    """A valid create body, a week out, in New York; `overrides` replace top-level fields."""
    body: dict[str, Any] = {
        "title": "Board games night",
        "description": "Bring a game.",
        "startsAt": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        "timezone": "America/New_York",
        "location": {
            "name": "The Uncommons",
            "address": "230 Thompson St, New York, NY",
            "latitude": 40.7291,
            "longitude": -73.9989,
        },
        "maxAttendees": 12,
        "minAttendees": 2,
        "priceCents": None,
        "currency": "usd",
        "category": "games",
        "tags": ["boardgames"],
    }
    body.update(overrides)
    return body


def unique_category() -> str:
    """Discovery tests filter on their own category, so events of other tests never show up."""
    return f"cat-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def set_verified(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> Callable[[str, bool], Awaitable[None]]:
    """Verification is another workflow's job; here the flag is set directly."""

    async def set_flag(user_id: str, verified: bool = True) -> None:
        status = VerificationStatus.VERIFIED if verified else VerificationStatus.NOT_STARTED
        async with sessionmaker.begin() as session:
            await session.execute(
                update(User)
                .where(User.id == user_id)
                .values(is_verified=verified, verification_status=status)
            )

    return set_flag


@pytest.fixture
def verified_host(
    signed_up: SignUp, set_verified: Callable[[str, bool], Awaitable[None]]
) -> Callable[[], Awaitable[tuple[Headers, dict[str, Any]]]]:
    async def make() -> tuple[Headers, dict[str, Any]]:
        headers, user = await signed_up(firstName="Hosting")
        await set_verified(user["id"], True)
        return headers, user

    return make


@pytest.fixture
def create_event(
    api: AsyncTestClient[Any],
) -> Callable[..., Awaitable[dict[str, Any]]]:
    """POST /v1/events as `headers`; publishes too with `publish=True`. Returns the Event."""

    async def create(
        headers: Headers, *, publish: bool = False, **overrides: Any
    ) -> dict[str, Any]:
        response = await api.post("/v1/events", json=event_body(**overrides), headers=headers)
        assert response.status_code == 201, response.text
        event: dict[str, Any] = response.json()
        if publish:
            response = await api.post(f"/v1/events/{event['id']}/publish", headers=headers)
            assert response.status_code == 200, response.text
            event = response.json()
        return event

    return create
