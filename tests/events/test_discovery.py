"""Discovery through HTTP: great-circle distances, the antimeridian, the poles, wide radii at
high latitude, filters and cursor paging. Each test filters on its own category."""

from __future__ import annotations

import base64
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.discovery import EARTH_RADIUS_MILES, bounding_box, distance_miles_sql, haversine_miles
from db.models import Event
from tests.events.conftest import unique_category
from tests.support import assert_error

Host = Callable[[], Awaitable[tuple[dict[str, str], dict[str, Any]]]]
CreateEvent = Callable[..., Awaitable[dict[str, Any]]]
Place = Callable[..., Awaitable[dict[str, Any]]]

NEW_YORK = (40.7128, -74.0060)
LOS_ANGELES = (34.0522, -118.2437)
LONDON = (51.5074, -0.1278)
PARIS = (48.8566, 2.3522)
PHILADELPHIA = (39.9526, -75.1652)
SAN_FRANCISCO = (37.7749, -122.4194)
SAN_JOSE = (37.3382, -121.8863)


def law_of_cosines_miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    """An independent great-circle formula to check the haversine against."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    cosine = math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(
        lon2 - lon1
    )
    return EARTH_RADIUS_MILES * math.acos(max(-1.0, min(1.0, cosine)))


def close(actual: float, expected: float, tolerance: float = 0.005) -> bool:
    return abs(actual - expected) <= tolerance * expected


@pytest.fixture
async def place(verified_host: Host, create_event: CreateEvent) -> Place:
    """Publish an event at (latitude, longitude) in a category; one host for the whole test."""
    headers, _ = await verified_host()

    async def publish_at(
        latitude: float, longitude: float, category: str, starts_in: timedelta = timedelta(days=3)
    ) -> dict[str, Any]:
        location = {"name": "Here", "latitude": latitude, "longitude": longitude}
        starts_at = (datetime.now(UTC) + starts_in).isoformat()
        return await create_event(
            headers, publish=True, location=location, category=category, startsAt=starts_at
        )

    return publish_at


@pytest.fixture
async def viewer(signed_up: Callable[..., Awaitable[Any]]) -> dict[str, str]:
    headers, _ = await signed_up()
    return dict(headers)


async def discover(
    api: AsyncTestClient[Any], headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    response = await api.get("/v1/events", params=params, headers=headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


# --- distances --------------------------------------------------------------------------------

KNOWN_PAIRS = [
    pytest.param(NEW_YORK, LOS_ANGELES, 2445.0, id="new-york-los-angeles"),
    pytest.param(LONDON, PARIS, 213.7, id="london-paris"),
    pytest.param(NEW_YORK, PHILADELPHIA, 80.6, id="new-york-philadelphia"),
    pytest.param(SAN_FRANCISCO, SAN_JOSE, 42.0, id="san-francisco-san-jose"),
]


@pytest.mark.parametrize(("a", "b", "published_miles"), KNOWN_PAIRS)
async def test_sql_distance_matches_known_city_pairs(
    place: Place,
    sessionmaker: async_sessionmaker[AsyncSession],
    a: tuple[float, float],
    b: tuple[float, float],
    published_miles: float,
) -> None:
    """The SQL expression discovery filters on (pairs beyond the 100-mile cap are checked here)."""
    event = await place(*b, unique_category())
    async with sessionmaker() as session:
        miles = await session.scalar(select(distance_miles_sql(*a)).where(Event.id == event["id"]))
    assert miles is not None
    assert close(miles, published_miles), miles
    assert close(miles, law_of_cosines_miles(a, b), 1e-9)
    assert close(haversine_miles(*a, *b), miles, 1e-9)


@pytest.mark.parametrize(
    ("origin", "destination", "published_miles"),
    [
        pytest.param(NEW_YORK, PHILADELPHIA, 80.6, id="new-york-philadelphia"),
        pytest.param(SAN_FRANCISCO, SAN_JOSE, 42.0, id="san-francisco-san-jose"),
    ],
)
async def test_items_carry_their_great_circle_distance(
    api: AsyncTestClient[Any],
    place: Place,
    viewer: dict[str, str],
    origin: tuple[float, float],
    destination: tuple[float, float],
    published_miles: float,
) -> None:
    category = unique_category()
    event = await place(*destination, category)
    lat, lon = origin
    page = await discover(
        api, viewer, latitude=lat, longitude=lon, radiusMiles=100, category=category
    )
    assert ids(page) == [event["id"]]
    assert close(page["items"][0]["distanceMiles"], published_miles)

    # Just outside the radius: the exact distance, not the box, decides.
    miles = page["items"][0]["distanceMiles"]
    page = await discover(
        api, viewer, latitude=lat, longitude=lon, radiusMiles=miles - 0.5, category=category
    )
    assert page["items"] == []


async def test_without_a_location_there_is_no_distance(
    api: AsyncTestClient[Any], place: Place, viewer: dict[str, str]
) -> None:
    category = unique_category()
    event = await place(*LONDON, category)
    page = await discover(api, viewer, category=category)
    assert ids(page) == [event["id"]]
    assert "distanceMiles" not in page["items"][0]


async def test_box_corners_are_excluded(
    api: AsyncTestClient[Any], place: Place, viewer: dict[str, str]
) -> None:
    """A point inside the bounding box's corner but beyond the radius is not returned."""
    category = unique_category()
    box = bounding_box(10.0, 10.0, 25)
    corner = await place(box.max_latitude - 0.01, box.longitude_ranges[0][1] - 0.01, category)
    inside = await place(10.1, 10.1, category)
    page = await discover(api, viewer, latitude=10, longitude=10, radiusMiles=25, category=category)
    assert ids(page) == [inside["id"]]
    assert corner["id"] not in ids(page)


# --- the antimeridian, the poles, high latitudes ----------------------------------------------


@pytest.mark.parametrize(("query_lon", "event_lon"), [(179.9, -179.9), (-179.9, 179.9)])
async def test_across_the_antimeridian(
    api: AsyncTestClient[Any],
    place: Place,
    viewer: dict[str, str],
    query_lon: float,
    event_lon: float,
) -> None:
    category = unique_category()
    across = await place(-17.7, event_lon, category)
    same_side = await place(-17.7, query_lon - 0.1, category, starts_in=timedelta(days=4))
    too_far = await place(-17.7, -179.0 if event_lon < 0 else 179.0, category)
    page = await discover(
        api, viewer, latitude=-17.7, longitude=query_lon, radiusMiles=25, category=category
    )
    assert ids(page) == [across["id"], same_side["id"]]
    assert too_far["id"] not in ids(page)
    assert close(
        page["items"][0]["distanceMiles"], haversine_miles(-17.7, query_lon, -17.7, event_lon)
    )
    assert page["items"][0]["distanceMiles"] < 14


@pytest.mark.parametrize("pole", [90.0, -90.0])
async def test_near_a_pole_every_longitude_counts(
    api: AsyncTestClient[Any], place: Place, viewer: dict[str, str], pole: float
) -> None:
    category = unique_category()
    sign = 1 if pole > 0 else -1
    # 0.2 degrees apart over the pole: about 13.8 miles, on the opposite meridian.
    opposite = await place(sign * 89.9, 180.0, category)
    quarter = await place(sign * 89.8, 90.0, category, starts_in=timedelta(days=4))
    at_pole = await place(pole, 0.0, category, starts_in=timedelta(days=5))
    page = await discover(
        api, viewer, latitude=sign * 89.9, longitude=0.0, radiusMiles=25, category=category
    )
    assert ids(page) == [opposite["id"], quarter["id"], at_pole["id"]]
    assert close(page["items"][0]["distanceMiles"], 13.82)


async def test_wide_radius_at_high_latitude_spans_many_degrees_of_longitude(
    api: AsyncTestClient[Any], place: Place, viewer: dict[str, str]
) -> None:
    """At 70N a 100-mile radius spans ±4.2 degrees of longitude, at 85N ±16.8."""
    category = unique_category()
    east = await place(70.0, 24.1, category)  # about 96.9 miles
    beyond = await place(70.0, 24.4, category)  # about 104 miles
    far_north = await place(85.0, 15.0, category)  # about 90.1 miles from (85, 0)
    page = await discover(
        api, viewer, latitude=70, longitude=20, radiusMiles=100, category=category
    )
    assert ids(page) == [east["id"]]
    assert beyond["id"] not in ids(page)
    page = await discover(api, viewer, latitude=85, longitude=0, radiusMiles=100, category=category)
    assert ids(page) == [far_north["id"]]


def test_bounding_box_geometry() -> None:
    box = bounding_box(70.0, 20.0, 100)
    half_width = box.longitude_ranges[0][1] - 20.0
    angular = 100 / EARTH_RADIUS_MILES
    assert math.isclose(
        half_width, math.degrees(math.asin(math.sin(angular) / math.cos(math.radians(70))))
    )
    assert half_width > 4.2
    polar = bounding_box(89.9, 0, 25)
    assert polar.all_longitudes
    assert polar.max_latitude == 90.0
    assert bounding_box(-89.9, 0, 25).all_longitudes
    split = bounding_box(0, 179.9, 25)
    assert len(split.longitude_ranges) == 2
    (west, east_edge), (west_edge, east) = split.longitude_ranges
    assert (east_edge, west_edge) == (180.0, -180.0)
    assert 179.4 < west < 179.9
    assert -179.9 < east < -179.5


# --- filters ----------------------------------------------------------------------------------


async def test_only_published_future_events_in_the_requested_categories_and_window(
    api: AsyncTestClient[Any],
    place: Place,
    viewer: dict[str, str],
    verified_host: Host,
    create_event: CreateEvent,
) -> None:
    music, art, other = unique_category(), unique_category(), unique_category()
    in_music = await place(1.0, 1.0, music, starts_in=timedelta(days=2))
    in_art = await place(1.0, 1.0, art, starts_in=timedelta(days=3))
    late = await place(1.0, 1.0, art, starts_in=timedelta(days=40))
    await place(1.0, 1.0, other)
    headers, _ = await verified_host()
    await create_event(headers, category=music)  # a draft: never discovered
    cancelled = await create_event(headers, category=music, publish=True)
    await api.post(f"/v1/events/{cancelled['id']}/cancel", json={"reason": "x"}, headers=headers)

    page = await discover(api, viewer, category=[music, art])
    assert ids(page) == [in_music["id"], in_art["id"], late["id"]]
    window = {
        "from": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        "to": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
    }
    page = await discover(api, viewer, category=[music, art], **window)
    assert ids(page) == [in_music["id"], in_art["id"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"latitude": 10}, "longitude", id="latitude-alone"),
        pytest.param({"longitude": 10}, "latitude", id="longitude-alone"),
        pytest.param({"latitude": 91, "longitude": 0}, "latitude", id="latitude-range"),
        pytest.param({"latitude": 0, "longitude": -181}, "longitude", id="longitude-range"),
        pytest.param({"latitude": "north", "longitude": 0}, "latitude", id="latitude-type"),
        pytest.param({"latitude": 0, "longitude": 0, "radiusMiles": 0}, "radiusMiles", id="r-0"),
        pytest.param({"latitude": 0, "longitude": 0, "radiusMiles": 101}, "radiusMiles", id="r"),
        pytest.param({"radiusMiles": 10}, "latitude", id="radius-without-location"),
        pytest.param({"limit": 0}, "limit", id="limit-0"),
        pytest.param({"limit": 101}, "limit", id="limit-101"),
        pytest.param({"cursor": "not-a-cursor!"}, "cursor", id="cursor-garbage"),
        pytest.param(
            {"cursor": base64.urlsafe_b64encode(b"2030-01-01|x").decode()},
            "cursor",
            id="cursor-naive",
        ),
        pytest.param(
            {"from": "2031-01-02T00:00:00Z", "to": "2031-01-01T00:00:00Z"}, "to", id="window"
        ),
        pytest.param({"from": "yesterday"}, "from", id="from-garbage"),
        pytest.param({"to": "2031-13-01"}, "to", id="to-garbage"),
        pytest.param(
            {"latitude": 0, "longitude": 0, "radiusMiles": "far"}, "radiusMiles", id="r-type"
        ),
        pytest.param(
            {"latitude": 0, "longitude": 0, "radiusMiles": "nan"}, "radiusMiles", id="r-nan"
        ),
    ],
)
async def test_bad_query_parameters_are_400s_naming_the_field(
    api: AsyncTestClient[Any], viewer: dict[str, str], params: dict[str, Any], field: str
) -> None:
    response = await api.get("/v1/events", params=params, headers=viewer)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in error["details"]["fields"], error


# --- paging -----------------------------------------------------------------------------------


async def test_cursor_paging_survives_inserts_between_pages(
    api: AsyncTestClient[Any], place: Place, viewer: dict[str, str]
) -> None:
    category = unique_category()
    # Three share one start time: the id breaks the tie, so no page boundary loses one.
    same_time = timedelta(days=5)
    originals = [await place(2.0, 2.0, category, starts_in=same_time) for _ in range(3)]
    originals += [await place(2.0, 2.0, category, starts_in=timedelta(days=d)) for d in (6, 7, 8)]
    expected_order = sorted(originals, key=lambda event: (event["startsAt"], event["id"]))

    query = {"latitude": 2.0, "longitude": 2.0, "category": category, "limit": 2}
    first = await discover(api, viewer, **query)
    assert ids(first) == [event["id"] for event in expected_order[:2]]
    assert first["nextCursor"]

    # Between pages: one event before the cursor (already passed) and one after it.
    await place(2.0, 2.0, category, starts_in=timedelta(days=4))
    added_later = await place(2.0, 2.0, category, starts_in=timedelta(days=9))

    seen = ids(first)
    cursor = first["nextCursor"]
    while cursor:
        page = await discover(api, viewer, **query, cursor=cursor)
        assert len(page["items"]) <= 2
        seen += ids(page)
        cursor = page["nextCursor"]

    assert len(seen) == len(set(seen)), "an item was served twice"
    assert seen == [event["id"] for event in expected_order] + [added_later["id"]]


async def test_the_last_page_has_no_cursor(
    api: AsyncTestClient[Any], place: Place, viewer: dict[str, str]
) -> None:
    category = unique_category()
    events = [await place(3.0, 3.0, category, starts_in=timedelta(days=d)) for d in (1, 2)]
    page = await discover(api, viewer, category=category, limit=2)
    assert ids(page) == [event["id"] for event in events]
    assert page["nextCursor"] is None


async def test_openapi_documents_the_event_routes(api: AsyncTestClient[Any]) -> None:
    response = await api.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    paths = response.json()["paths"]
    for path in (
        "/v1/events",
        "/v1/events/{event_id}",
        "/v1/events/{event_id}/publish",
        "/v1/events/{event_id}/cancel",
        "/v1/users/me/events",
    ):
        assert path in paths, sorted(paths)
    names = {parameter["name"] for parameter in paths["/v1/events"]["get"]["parameters"]}
    assert {
        "latitude",
        "longitude",
        "radiusMiles",
        "category",
        "from",
        "to",
        "limit",
        "cursor",
    } <= names
