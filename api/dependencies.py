"""What route handlers receive: a database session whose transaction the request owns,
the Temporal client, the caller's claims and the settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar.datastructures import State
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.auth import provide_claims
from settings import Settings


async def provide_db(state: State) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the handler returns, rolled back on error."""
    async with state.sessionmaker.begin() as session:
        yield session


def provide_temporal(state: State) -> Client:
    client: Client = state.temporal
    return client


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


DEPENDENCIES: dict[str, Any] = {
    "db": Provide(provide_db),
    "temporal": Provide(provide_temporal, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "claims": Provide(provide_claims, sync_to_thread=False),
}
