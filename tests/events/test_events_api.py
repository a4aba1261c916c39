"""Events through HTTP: gates, visibility, validation limits, the publish and cancel rules."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.events import MAX_PRICE_CENTS
from db.models import Event
from tests.events.conftest import event_body
from tests.support import assert_error

Host = Callable[[], Awaitable[tuple[dict[str, str], dict[str, Any]]]]
CreateEvent = Callable[..., Awaitable[dict[str, Any]]]


# --- gates and visibility ---------------------------------------------------------------------


async def test_create_returns_a_draft_with_local_date_and_time(
    api: AsyncTestClient[Any], verified_host: Host
) -> None:
    headers, host = await verified_host()
    body = event_body(
        startsAt="2030-07-01T18:30:00-04:00", timezone="Europe/Paris", priceCents=0, tags=[]
    )
    response = await api.post("/v1/events", json=body, headers=headers)

    assert response.status_code == 201, response.text
    event = response.json()
    assert event["id"].startswith("evt_")
    assert event["hostId"] == host["id"]
    assert event["status"] == "draft"
    assert event["startsAt"] == "2030-07-01T22:30:00Z"  # stored and shown in UTC
    assert (event["date"], event["time"]) == ("2030-07-02", "00:30")  # local to Paris
    assert event["priceCents"] == 0
    assert event["seatsTaken"] == 0
    assert event["publishedAt"] is None
    assert "distanceMiles" not in event


async def test_create_defaults(api: AsyncTestClient[Any], verified_host: Host) -> None:
    headers, _ = await verified_host()
    body = event_body()
    for optional in ("minAttendees", "priceCents", "currency", "description", "category", "tags"):
        del body[optional]
    response = await api.post("/v1/events", json=body, headers=headers)

    assert response.status_code == 201, response.text
    event = response.json()
    assert event["minAttendees"] == 1
    assert event["priceCents"] is None  # the platform fee
    assert event["currency"] == "usd"
    assert event["tags"] == []


async def test_unverified_users_cannot_create(
    api: AsyncTestClient[Any], signed_up: Callable[..., Awaitable[Any]]
) -> None:
    headers, _ = await signed_up()
    response = await api.post("/v1/events", json=event_body(), headers=headers)
    assert_error(response, 403, "VERIFICATION_REQUIRED")


async def test_unverified_host_cannot_publish(
    api: AsyncTestClient[Any],
    verified_host: Host,
    create_event: CreateEvent,
    set_verified: Callable[[str, bool], Awaitable[None]],
) -> None:
    headers, host = await verified_host()
    event = await create_event(headers)
    await set_verified(host["id"], False)

    response = await api.post(f"/v1/events/{event['id']}/publish", headers=headers)
    assert_error(response, 403, "VERIFICATION_REQUIRED")


async def test_drafts_are_visible_to_their_host_only(
    api: AsyncTestClient[Any], verified_host: Host, create_event: CreateEvent
) -> None:
    host_headers, _ = await verified_host()
    other_headers, _ = await verified_host()
    draft = await create_event(host_headers)

    assert (await api.get(f"/v1/events/{draft['id']}", headers=host_headers)).status_code == 200
    assert_error(
        await api.get(f"/v1/events/{draft['id']}", headers=other_headers), 404, "NOT_FOUND"
    )
    for action in ("publish", "cancel"):
        response = await api.post(
            f"/v1/events/{draft['id']}/{action}", json={"reason": "x"}, headers=other_headers
        )
        assert_error(response, 404, "NOT_FOUND")
    assert_error(
        await api.get("/v1/events/evt_doesnotexist", headers=host_headers), 404, "NOT_FOUND"
    )


async def test_only_the_host_edits_publishes_or_cancels(
    api: AsyncTestClient[Any], verified_host: Host, create_event: CreateEvent
) -> None:
    host_headers, _ = await verified_host()
    other_headers, _ = await verified_host()
    event = await create_event(host_headers, publish=True)
    url = f"/v1/events/{event['id']}"

    response = await api.get(url, headers=other_headers)
    assert response.status_code == 200
    assert response.json()["status"] == "published"
    assert_error(
        await api.patch(url, json={"title": "Mine"}, headers=other_headers), 403, "FORBIDDEN"
    )
    assert_error(await api.post(f"{url}/publish", headers=other_headers), 403, "FORBIDDEN")
    response = await api.post(f"{url}/cancel", json={"reason": "no"}, headers=other_headers)
    assert_error(response, 403, "FORBIDDEN")


async def test_no_token_is_unauthorized(api: AsyncTestClient[Any]) -> None:
    assert_error(await api.get("/v1/events"), 401, "UNAUTHORIZED")


# --- validation -------------------------------------------------------------------------------


def _location(**overrides: Any) -> dict[str, Any]:
    return {**event_body()["location"], **overrides}


INVALID_CREATE_BODIES = [
    pytest.param({"title": ""}, "title", id="title-empty"),
    pytest.param({"title": "x" * 121}, "title", id="title-121"),
    pytest.param({"title": None}, "title", id="title-null"),
    pytest.param({"description": "x" * 5001}, "description", id="description-5001"),
    pytest.param({"startsAt": "2020-01-01T10:00:00Z"}, "startsAt", id="startsAt-past"),
    pytest.param({"startsAt": "2030-01-01T10:00:00"}, "startsAt", id="startsAt-no-offset"),
    pytest.param({"startsAt": "next tuesday"}, "startsAt", id="startsAt-garbage"),
    pytest.param({"timezone": "Mars/Olympus_Mons"}, "timezone", id="timezone-unknown"),
    pytest.param({"timezone": "../../etc/passwd"}, "timezone", id="timezone-path"),
    pytest.param({"timezone": ""}, "timezone", id="timezone-empty"),
    pytest.param({"location": _location(latitude=90.01)}, "location.latitude", id="lat-high"),
    pytest.param({"location": _location(latitude=-90.01)}, "location.latitude", id="lat-low"),
    pytest.param({"location": _location(longitude=180.01)}, "location.longitude", id="lon-high"),
    pytest.param({"location": _location(longitude=-180.5)}, "location.longitude", id="lon-low"),
    pytest.param({"location": _location(name="")}, "location.name", id="location-name"),
    pytest.param({"location": None}, "location", id="location-null"),
    pytest.param({"maxAttendees": 0}, "maxAttendees", id="max-0"),
    pytest.param({"maxAttendees": 1001}, "maxAttendees", id="max-1001"),
    pytest.param({"maxAttendees": 2.5}, "maxAttendees", id="max-float"),
    pytest.param({"minAttendees": 0}, "minAttendees", id="min-0"),
    pytest.param({"minAttendees": 13, "maxAttendees": 12}, "minAttendees", id="min-over-max"),
    pytest.param({"priceCents": -1}, "priceCents", id="price-negative"),
    pytest.param({"priceCents": 9.99}, "priceCents", id="price-float"),
    pytest.param({"priceCents": MAX_PRICE_CENTS + 1}, "priceCents", id="price-over-cap"),
    pytest.param({"currency": "USD"}, "currency", id="currency-upper"),
    pytest.param({"currency": "usdollar"}, "currency", id="currency-long"),
    pytest.param({"category": ""}, "category", id="category-empty"),
    pytest.param({"tags": [f"t{i}" for i in range(11)]}, "tags", id="tags-11"),
    pytest.param({"tags": "music"}, "tags", id="tags-not-list"),
]


@pytest.mark.parametrize(("overrides", "field"), INVALID_CREATE_BODIES)
async def test_each_bad_value_is_a_400_naming_its_field(
    api: AsyncTestClient[Any], verified_host: Host, overrides: dict[str, Any], field: str
) -> None:
    headers, _ = await verified_host()
    response = await api.post("/v1/events", json=event_body(**overrides), headers=headers)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in error["details"]["fields"], error


@pytest.mark.parametrize("missing", ["title", "startsAt", "timezone", "location", "maxAttendees"])
async def test_required_fields(
    api: AsyncTestClient[Any], verified_host: Host, missing: str
) -> None:
    headers, _ = await verified_host()
    body = event_body()
    del body[missing]
    error = assert_error(
        await api.post("/v1/events", json=body, headers=headers), 400, "VALIDATION_ERROR"
    )
    assert missing in error["details"]["fields"], error


async def test_limits_themselves_are_accepted(
    api: AsyncTestClient[Any], verified_host: Host
) -> None:
    headers, _ = await verified_host()
    body = event_body(
        title="x" * 120,
        description="x" * 5000,
        maxAttendees=1000,
        minAttendees=1000,
        priceCents=MAX_PRICE_CENTS,
        currency="eur",
        tags=[f"t{i}" for i in range(10)],
        location=_location(latitude=-90, longitude=180),
    )
    assert (await api.post("/v1/events", json=body, headers=headers)).status_code == 201
    body = event_body(
        maxAttendees=1, minAttendees=1, location=_location(latitude=90, longitude=-180)
    )
    assert (await api.post("/v1/events", json=body, headers=headers)).status_code == 201


async def test_malformed_json_is_a_validation_error(
    api: AsyncTestClient[Any], verified_host: Host
) -> None:
    headers, _ = await verified_host()
    response = await api.post(
        "/v1/events",
        content=b"{not json",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert_error(response, 400, "VALIDATION_ERROR")


async def test_patch_validates_against_the_stored_event(
    api: AsyncTestClient[Any], verified_host: Host, create_event: CreateEvent
) -> None:
    headers, _ = await verified_host()
    event = await create_event(headers, maxAttendees=10, minAttendees=5)
    url = f"/v1/events/{event['id']}"

    error = assert_error(
        await api.patch(url, json={"maxAttendees": 4}, headers=headers), 400, "VALIDATION_ERROR"
    )
    assert "minAttendees" in error["details"]["fields"]
    error = assert_error(
        await api.patch(url, json={"timezone": "Not/AZone"}, headers=headers),
        400,
        "VALIDATION_ERROR",
    )
    assert "timezone" in error["details"]["fields"]
    error = assert_error(
        await api.patch(url, json={"startsAt": "2001-01-01T00:00:00Z"}, headers=headers),
        400,
        "VALIDATION_ERROR",
    )
    assert "startsAt" in error["details"]["fields"]
    error = assert_error(
        await api.patch(url, json={"title": "x" * 121}, headers=headers), 400, "VALIDATION_ERROR"
    )
    assert "title" in error["details"]["fields"]


# --- editing, publishing, cancelling ----------------------------------------------------------


async def test_drafts_are_edited_freely(
    api: AsyncTestClient[Any], verified_host: Host, create_event: CreateEvent
) -> None:
    headers, _ = await verified_host()
    event = await create_event(headers, priceCents=1500)
    new_start = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    changes = {
        "title": "Renamed",
        "startsAt": new_start.isoformat(),
        "priceCents": None,
        "maxAttendees": 3,
        "minAttendees": 1,
        "description": None,
        "location": _location(name="Elsewhere", latitude=1.5, longitude=2.5),
        "timezone": "Asia/Tokyo",
    }
    response = await api.patch(f"/v1/events/{event['id']}", json=changes, headers=headers)

    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["title"] == "Renamed"
    assert edited["startsAt"] == new_start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert edited["priceCents"] is None
    assert edited["maxAttendees"] == 3
    assert edited["description"] is None
    assert edited["location"]["name"] == "Elsewhere"
    local = new_start.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert edited["date"] == local.strftime("%Y-%m-%d")
    assert edited["time"] == local.strftime("%H:%M")
    assert edited["updatedAt"] >= event["updatedAt"]


async def test_publish_sets_status_and_time_once(
    api: AsyncTestClient[Any], verified_host: Host, create_event: CreateEvent
) -> None:
    headers, _ = await verified_host()
    event = await create_event(headers)
    url = f"/v1/events/{event['id']}/publish"

    response = await api.post(url, headers=headers)
    assert response.status_code == 200, response.text
    published = response.json()
    assert published["status"] == "published"
    assert published["publishedAt"] is not None

    assert_error(await api.post(url, headers=headers), 409, "CONFLICT")


async def test_after_publishing_price_and_start_are_fixed_and_seats_only_grow(
    api: AsyncTestClient[Any], verified_host: Host, create_event: CreateEvent
) -> None:
    headers, _ = await verified_host()
    event = await create_event(headers, publish=True, maxAttendees=10, priceCents=700)
    url = f"/v1/events/{event['id']}"
    later = (datetime.now(UTC) + timedelta(days=60)).isoformat()

    for change, field in [
        ({"priceCents": 800}, "priceCents"),
        ({"priceCents": None}, "priceCents"),
        ({"startsAt": later}, "startsAt"),
        ({"maxAttendees": 9}, "maxAttendees"),
    ]:
        error = assert_error(await api.patch(url, json=change, headers=headers), 409, "CONFLICT")
        assert field in error["details"]["fields"], (change, error)

    # The same values again, or other fields, are fine.
    same = {"priceCents": 700, "startsAt": event["startsAt"], "title": "Still on"}
    response = await api.patch(url, json=same, headers=headers)
    assert response.status_code == 200, response.text
    response = await api.patch(url, json={"maxAttendees": 20}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["maxAttendees"] == 20


async def test_max_attendees_never_below_seats_taken(
    api: AsyncTestClient[Any],
    verified_host: Host,
    create_event: CreateEvent,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    headers, _ = await verified_host()
    event = await create_event(headers, maxAttendees=10, minAttendees=1)
    async with sessionmaker.begin() as session:  # seats of a draft: only possible via the DB
        await session.execute(update(Event).where(Event.id == event["id"]).values(seats_taken=6))

    response = await api.patch(
        f"/v1/events/{event['id']}", json={"maxAttendees": 5}, headers=headers
    )
    error = assert_error(response, 409, "CONFLICT")
    assert "maxAttendees" in error["details"]["fields"]


async def test_publishing_a_past_event_conflicts(
    api: AsyncTestClient[Any],
    verified_host: Host,
    create_event: CreateEvent,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    headers, _ = await verified_host()
    event = await create_event(headers)
    async with sessionmaker.begin() as session:
        past = datetime.now(UTC) - timedelta(hours=1)
        await session.execute(update(Event).where(Event.id == event["id"]).values(starts_at=past))

    response = await api.post(f"/v1/events/{event['id']}/publish", headers=headers)
    assert_error(response, 409, "CONFLICT")


async def test_cancel_marks_the_event_and_only_once(
    api: AsyncTestClient[Any], verified_host: Host, create_event: CreateEvent
) -> None:
    headers, _ = await verified_host()
    event = await create_event(headers, publish=True)
    url = f"/v1/events/{event['id']}"

    response = await api.post(f"{url}/cancel", json={"reason": "Venue flooded"}, headers=headers)
    assert response.status_code == 202, response.text
    cancelled = response.json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancelReason"] == "Venue flooded"
    assert cancelled["cancelledAt"] is not None

    response = await api.post(f"{url}/cancel", json={"reason": "again"}, headers=headers)
    assert_error(response, 409, "CONFLICT")
    assert_error(await api.post(f"{url}/publish", headers=headers), 409, "CONFLICT")
    assert_error(await api.patch(url, json={"title": "Back"}, headers=headers), 409, "CONFLICT")
    assert (await api.get(url, headers=headers)).json()["status"] == "cancelled"


async def test_cancelling_a_completed_event_conflicts(
    api: AsyncTestClient[Any],
    verified_host: Host,
    create_event: CreateEvent,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    headers, _ = await verified_host()
    event = await create_event(headers, publish=True)
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Event).where(Event.id == event["id"]).values(status="completed")
        )
    response = await api.post(
        f"/v1/events/{event['id']}/cancel", json={"reason": "late"}, headers=headers
    )
    assert_error(response, 409, "CONFLICT")


async def test_cancel_needs_a_reason(
    api: AsyncTestClient[Any], verified_host: Host, create_event: CreateEvent
) -> None:
    headers, _ = await verified_host()
    event = await create_event(headers)
    response = await api.post(f"/v1/events/{event['id']}/cancel", json={}, headers=headers)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert "reason" in error["details"]["fields"]


async def test_my_events_lists_every_status_paged(
    api: AsyncTestClient[Any], verified_host: Host, create_event: CreateEvent
) -> None:
    headers, _ = await verified_host()
    other_headers, _ = await verified_host()
    await create_event(other_headers)
    soon = datetime.now(UTC) + timedelta(days=1)
    created = [
        await create_event(
            headers, startsAt=(soon + timedelta(hours=i)).isoformat(), publish=i % 2 == 0
        )
        for i in range(3)
    ]

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = await api.get("/v1/users/me/events", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == [event["id"] for event in created]
    statuses = {
        item["id"]: item["status"]
        for item in (await api.get("/v1/users/me/events", headers=headers)).json()["items"]
    }
    assert sorted(statuses.values()) == ["draft", "published", "published"]


async def test_concurrent_publishes_publish_once(
    api: AsyncTestClient[Any], verified_host: Host, create_event: CreateEvent
) -> None:
    headers, _ = await verified_host()
    event = await create_event(headers)
    url = f"/v1/events/{event['id']}/publish"
    responses = await asyncio.gather(*(api.post(url, headers=headers) for _ in range(3)))
    assert sorted(response.status_code for response in responses) == [200, 409, 409]
