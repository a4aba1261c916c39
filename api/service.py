"""Service routes: liveness, readiness (database and Temporal, each with a short timeout)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text

CHECK_TIMEOUT_SECONDS = 2.0


@get("/health", tags=["service"], summary="Liveness: the process answers")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", tags=["service"], summary="Readiness: the database and Temporal answer")
async def ready(state: State) -> Response[dict[str, str]]:
    database, temporal = await asyncio.gather(_database_ok(state), _temporal_ok(state))
    body = {"database": "ok" if database else "down", "temporal": "ok" if temporal else "down"}
    return Response(body, status_code=200 if database and temporal else 503)


async def _database_ok(state: State) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # any failure means not ready; the reason is in the database's own logs
        return False
    return True


async def _temporal_ok(state: State) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            return bool(
                await state.temporal.service_client.check_health(
                    timeout=timedelta(seconds=CHECK_TIMEOUT_SECONDS)
                )
            )
    except Exception:
        return False
