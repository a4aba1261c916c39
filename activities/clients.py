"""The Stripe and Postmark clients, built once from the settings and shared by the activities."""

from __future__ import annotations

import stripe
from postmarker.core import PostmarkClient

from settings import Settings


def stripe_client(settings: Settings) -> stripe.StripeClient:
    # Temporal owns retries: a retry inside the SDK would hide attempts from the history.
    return stripe.StripeClient(
        settings.stripe_secret_key.get_secret_value(),
        base_addresses={"api": settings.stripe_api_base},
        max_network_retries=0,
    )


def postmark_client(settings: Settings) -> PostmarkClient:
    return PostmarkClient(
        server_token=settings.postmark_server_token.get_secret_value(),
        root_api_url=settings.postmark_api_base,
        timeout=10,
    )
