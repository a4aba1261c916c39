"""The discovery query over 100,000 published events: EXPLAIN shows index scans, never a
sequential scan of `events`. Rows belong to one throwaway host and are deleted afterwards."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Select, delete, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.discovery import encode_cursor
from api.events import discovery_query
from db.models import Event, User

ROWS = 100_000
CURSOR = encode_cursor(datetime.now(UTC) + timedelta(days=45), "evt_bulk")
# Categories nobody else uses, so the bulk rows never show up in other tests' results.
BULK_PREFIX = f"bulk-{uuid.uuid4().hex[:8]}"

# One statement: North America (lat 25..50, lon -125..-67), starts over the next 90 days.
SEED = text(
    """
    INSERT INTO events (id, host_id, title, starts_at, timezone, location_name, latitude,
                        longitude, max_attendees, category, status, published_at)
    SELECT 'evt_bulk_' || :tag || '_' || n, :host_id, 'Bulk event ' || n,
           now() + interval '1 hour' + random() * interval '90 days', 'America/Chicago', 'Venue',
           25 + random() * 25, -125 + random() * 58, 20,
           :prefix || '-' || (n % 10), 'published', now()
    FROM generate_series(1, :rows) AS n
    """
)


@pytest.fixture(scope="module")
async def bulk_events(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[None]:
    host_id = f"usr_bulk_{uuid.uuid4().hex[:12]}"
    async with sessionmaker.begin() as session:
        session.add(User(id=host_id, clerk_user_id=host_id, first_name="Bulk"))
        await session.flush()
        await session.execute(
            SEED,
            {"tag": uuid.uuid4().hex[:6], "host_id": host_id, "prefix": BULK_PREFIX, "rows": ROWS},
        )
    async with sessionmaker() as session:
        await session.execute(text("ANALYZE events"))
        await session.commit()
    yield
    async with sessionmaker.begin() as session:
        await session.execute(delete(Event).where(Event.host_id == host_id))
        await session.execute(delete(User).where(User.id == host_id))


async def explain(session: AsyncSession, statement: Select[Event, float | None]) -> str:
    """EXPLAIN of exactly the statement the API runs, with its bound parameters."""
    connection = await session.connection()
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    parameters = compiled.construct_params()
    positional = [parameters[name] for name in compiled.positiontup or []]
    raw = await connection.get_raw_connection()
    rows = await raw.driver_connection.fetch(f"EXPLAIN {compiled.string}", *positional)  # type: ignore[union-attr]
    return "\n".join(row[0] for row in rows)


def query(**overrides: Any) -> Select[Event, float | None]:
    now = datetime.now(UTC)
    arguments: dict[str, Any] = {
        "latitude": 39.74,
        "longitude": -104.99,
        "radius_miles": 25.0,
        "categories": [f"{BULK_PREFIX}-1", f"{BULK_PREFIX}-2"],
        "starts_from": now,
        "starts_to": now + timedelta(days=30),
        "cursor": None,
        "limit": 20,
    }
    arguments.update(overrides)
    return discovery_query(**arguments)


@pytest.mark.usefixtures("bulk_events")
@pytest.mark.parametrize(
    ("overrides", "index"),
    [
        pytest.param({}, "ix_events_published_geo", id="radius-categories-window"),
        pytest.param({"radius_miles": 100.0}, "ix_events_published_geo", id="radius-100"),
        pytest.param(
            {"categories": None, "starts_from": None, "starts_to": None},
            "ix_events_published_geo",
            id="radius-only",
        ),
        pytest.param(
            {"latitude": 49.0, "longitude": 179.9}, "ix_events_published_geo", id="antimeridian"
        ),
        pytest.param(
            {"latitude": None, "longitude": None, "categories": None, "cursor": CURSOR},
            "ix_events_status_starts_at",
            id="no-location-next-page",
        ),
        pytest.param(
            {"latitude": None, "longitude": None, "categories": None},
            "ix_events_status_starts_at",
            id="no-location",
        ),
    ],
)
async def test_discovery_uses_an_index_not_a_scan(
    sessionmaker: async_sessionmaker[AsyncSession], overrides: dict[str, Any], index: str
) -> None:
    async with sessionmaker() as session:
        plan = await explain(session, query(**overrides))
    print(plan)  # visible with -s: the plan the report quotes
    assert "Seq Scan on events" not in plan, plan
    assert index in plan, plan
