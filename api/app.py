"""The Litestar application: routes, auth, errors, metrics and the clients it holds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from temporalio.client import Client

import logs
from api.auth import ClerkAuthenticationMiddleware, ClerkTokenVerifier
from api.dependencies import DEPENDENCIES
from api.errors import EXCEPTION_HANDLERS
from api.events import EventController, HostedEventController
from api.request_context import RequestContextMiddleware, add_request_id_and_log
from api.service import health, ready
from api.users import UserController
from api.verification import VerificationController
from api.webhooks import webhooks
from db.session import make_engine, make_sessionmaker
from settings import AppEnv, Settings, get_settings

MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    logs.configure(json=settings.app_env is not AppEnv.DEV)

    @asynccontextmanager
    async def clients(app: Litestar) -> AsyncIterator[None]:
        engine = make_engine(settings.sqlalchemy_url)
        # Lazy: the API starts (and /ready says why) even while Temporal is down.
        temporal = await Client.connect(
            settings.temporal_address, namespace=settings.temporal_namespace, lazy=True
        )
        app.state.update(
            settings=settings,
            engine=engine,
            sessionmaker=make_sessionmaker(engine),
            temporal=temporal,
            token_verifier=ClerkTokenVerifier(settings),
        )
        try:
            yield
        finally:
            await engine.dispose()

    v1 = Router(
        path="/v1",
        route_handlers=[
            UserController,
            VerificationController,
            EventController,
            HostedEventController,
        ],
        middleware=[ClerkAuthenticationMiddleware],
        security=[{"clerk": []}],
    )
    prometheus = PrometheusConfig(app_name="momento", group_path=True, exclude=["/metrics"])
    return Litestar(
        route_handlers=[health, ready, PrometheusController, v1, webhooks],
        dependencies=DEPENDENCIES,
        lifespan=[clients],
        middleware=[RequestContextMiddleware(), prometheus.middleware],
        before_send=[add_request_id_and_log],
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=MAX_BODY_BYTES,
        logging_config=None,
        openapi_config=OpenAPIConfig(
            title="Momento API",
            version="1.0.0",
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
            components=Components(
                security_schemes={
                    "clerk": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
                }
            ),
        ),
        debug=False,
    )
