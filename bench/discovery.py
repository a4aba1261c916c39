"""Discovery: the indexed query through the API versus the seed's load-everything-and-filter.

Starts its own pgserver, applies the migrations, seeds 100,000 and then 1,000,000 published
events over North America, and at each size times the same discovery requests (25-mile radius,
two categories, a 30-day window) both ways. Prints p50, p95 and the ratio naive / indexed.
"""

from __future__ import annotations

import asyncio
import logging
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import embedded
from api.app import create_app
from api.discovery import haversine_miles
from db.migrate import upgrade
from db.models import Event, EventStatus, User
from db.session import make_engine, make_sessionmaker
from settings import Settings

SIZES = (100_000, 1_000_000)
SEED_BATCH = 100_000
REQUESTS = 200
RADIUS_MILES = 25.0
WINDOW_DAYS = 30
CATEGORIES = [f"category-{n}" for n in range(10)]
# The naive approach loads every published row per request; cap its wall time per size.
NAIVE_BUDGET_SECONDS = 60.0
NAIVE_MIN_ITERATIONS = 3
ISSUER = "https://bench.clerk.local"
HOST_ID = "usr_bench_host"

# One statement per batch: uniform over North America, starts over the next 120 days.
SEED = text(
    """
    INSERT INTO events (id, host_id, title, starts_at, timezone, location_name, latitude,
                        longitude, max_attendees, category, status, published_at)
    SELECT 'evt_bench_' || n, :host_id, 'Event ' || n,
           now() + interval '1 hour' + random() * interval '120 days', 'America/Chicago',
           'Venue', 25 + random() * 25, -125 + random() * 58, 20,
           'category-' || (n % 10), 'published', now()
    FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS n
    """
)


@dataclass(frozen=True)
class Query:
    latitude: float
    longitude: float
    categories: list[str]
    starts_from: datetime
    starts_to: datetime

    def params(self) -> dict[str, Any]:
        return {
            "latitude": self.latitude,
            "longitude": self.longitude,
            "radiusMiles": RADIUS_MILES,
            "category": self.categories,
            "from": self.starts_from.isoformat(),
            "to": self.starts_to.isoformat(),
        }


def make_queries(count: int) -> list[Query]:
    rng = random.Random(42)  # the same requests at both sizes and for both approaches
    now = datetime.now(UTC)
    return [
        Query(
            latitude=rng.uniform(26, 49),
            longitude=rng.uniform(-124, -68),
            categories=rng.sample(CATEGORIES, 2),
            starts_from=now,
            starts_to=now + timedelta(days=WINDOW_DAYS),
        )
        for _ in range(count)
    ]


def signing_key() -> tuple[rsa.RSAPrivateKey, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return key, public_pem


def bench_settings(database_url: str, public_pem: str) -> Settings:
    """Discovery touches only the database; the other services get placeholder values."""
    return Settings(
        app_env="test",
        database_url=database_url,
        temporal_address="127.0.0.1:1",
        stripe_secret_key="sk_test_bench",  # noqa: S106  # a placeholder, never used
        stripe_webhook_secret=["whsec_bench"],
        postmark_server_token="bench",  # noqa: S106  # a placeholder, never used
        postmark_webhook_user="bench",
        postmark_webhook_password="bench",  # noqa: S106  # a placeholder, never used
        email_from="bench@momento.test",
        clerk_issuer=ISSUER,
        clerk_jwt_key=public_pem,
        clerk_webhook_secret="whsec_bench",  # noqa: S106  # a placeholder, never used
        frontend_url="http://localhost:8081",
    )


async def seed(sessionmaker: async_sessionmaker[AsyncSession], already: int, target: int) -> None:
    for first in range(already + 1, target + 1, SEED_BATCH):
        last = min(first + SEED_BATCH - 1, target)
        started = time.perf_counter()
        async with sessionmaker.begin() as session:
            await session.execute(SEED, {"host_id": HOST_ID, "first": first, "last": last})
        print(f"  seeded {last:>9,} events ({time.perf_counter() - started:.1f} s)", flush=True)
    async with sessionmaker() as session:
        await session.execute(text("ANALYZE events"))
        await session.commit()


async def naive_discover(session: AsyncSession, query: Query) -> list[tuple[Event, float]]:
    """The seed's approach: every published event into Python, then filter and sort there."""
    events = (
        await session.scalars(select(Event).where(Event.status == EventStatus.PUBLISHED))
    ).all()
    now = datetime.now(UTC)
    found = []
    for event in events:
        if event.starts_at <= now or event.category not in query.categories:
            continue
        if not query.starts_from <= event.starts_at <= query.starts_to:
            continue
        miles = haversine_miles(query.latitude, query.longitude, event.latitude, event.longitude)
        if miles <= RADIUS_MILES:
            found.append((event, miles))
    found.sort(key=lambda pair: (pair[0].starts_at, pair[0].id))
    return found[:20]


async def timed(
    calls: list[Callable[[], Awaitable[Any]]], budget_seconds: float | None = None
) -> list[float]:
    """Latencies in ms; stops early (after a minimum) once the time budget is spent."""
    latencies: list[float] = []
    started = time.perf_counter()
    for call in calls:
        begin = time.perf_counter()
        await call()
        latencies.append((time.perf_counter() - begin) * 1000)
        spent = time.perf_counter() - started
        if budget_seconds and len(latencies) >= NAIVE_MIN_ITERATIONS and spent > budget_seconds:
            break
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(label: str, latencies: list[float]) -> tuple[float, float]:
    p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
    print(f"  {label:<28} n={len(latencies):<4} p50={p50:9.1f} ms  p95={p95:9.1f} ms", flush=True)
    return p50, p95


async def measure(
    size: int,
    client: AsyncTestClient[Any],
    headers: dict[str, str],
    sessionmaker: async_sessionmaker[AsyncSession],
) -> dict[str, float]:
    queries = make_queries(REQUESTS)

    async def via_api(query: Query) -> None:
        response = await client.get("/v1/events", params=query.params(), headers=headers)
        assert response.status_code == 200, response.text

    async def naive(query: Query) -> None:
        async with sessionmaker() as session:
            await naive_discover(session, query)

    # Warm both paths (connection pool, plan cache) outside the timings.
    await via_api(queries[0])
    indexed = await timed([lambda q=q: via_api(q) for q in queries])  # type: ignore[misc]
    print(f"  timing the naive approach (budget {NAIVE_BUDGET_SECONDS:.0f} s)...", flush=True)
    slow = await timed(
        [lambda q=q: naive(q) for q in queries],  # type: ignore[misc]
        budget_seconds=NAIVE_BUDGET_SECONDS,
    )
    print(f"  results at {size:,} events:")
    indexed_p50, indexed_p95 = summary("indexed, through the API", indexed)
    naive_p50, naive_p95 = summary("naive, load all + Python", slow)
    if len(slow) < REQUESTS:
        print(f"  (naive: {len(slow)} of {REQUESTS} requests, stopped by the time budget)")
    print(
        f"  ratio naive/indexed: p50 {naive_p50 / indexed_p50:,.0f}x, "
        f"p95 {naive_p95 / indexed_p95:,.0f}x",
        flush=True,
    )
    return {"indexed_p50": indexed_p50, "naive_p50": naive_p50}


async def run_with(database_url: str) -> None:
    key, public_pem = signing_key()
    settings = bench_settings(database_url, public_pem)
    now = int(time.time())
    token = jwt.encode(
        {"iss": ISSUER, "sub": "user_bench", "iat": now, "nbf": now, "exp": now + 3600},
        key,
        algorithm="RS256",
    )
    headers = {"Authorization": f"Bearer {token}"}
    engine = make_engine(settings.sqlalchemy_url, pool_size=2)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        session.add(User(id=HOST_ID, clerk_user_id="user_bench_host", first_name="Bench"))
    try:
        app = create_app(settings)
        # One log line per request would bury the results.
        logging.getLogger("api.request").setLevel(logging.WARNING)
        async with AsyncTestClient(app) as client:
            seeded = 0
            for size in SIZES:
                print(f"seeding {size:,} published events over North America", flush=True)
                await seed(sessionmaker, seeded, size)
                seeded = size
                await measure(size, client, headers, sessionmaker)
    finally:
        await engine.dispose()


def main() -> None:
    print("== discovery: 25-mile radius, 2 categories, 30-day window ==", flush=True)
    with tempfile.TemporaryDirectory(prefix="momento-bench-") as data:
        with embedded.postgres(Path(data) / "postgres") as database_url:
            upgrade(database_url)
            asyncio.run(run_with(database_url))


if __name__ == "__main__":
    main()
