from __future__ import annotations

import httpx
import pytest
import stripe
from stripe.params import PaymentIntentCreateParams

from sandbox.client import SandboxClient

from .conftest import STRIPE_KEY


def test_same_key_replays_the_first_response(
    stripe_client: stripe.StripeClient, sandbox: SandboxClient
) -> None:
    params: PaymentIntentCreateParams = {"amount": 500, "currency": "usd"}
    options: stripe.RequestOptions = {"idempotency_key": "rsvp:r1:payment_intent"}
    first = stripe_client.v1.payment_intents.create(params=params, options=options)
    again = stripe_client.v1.payment_intents.create(params=params, options=options)
    assert again.id == first.id
    assert len(sandbox.objects("payment_intents")) == 1


def test_raw_replay(sandbox: SandboxClient) -> None:
    headers = {"Authorization": f"Bearer {STRIPE_KEY}", "Idempotency-Key": "k-raw"}
    data = {
        "amount": "500",
        "currency": "usd",
        "payment_method": "pm_card_chargeDeclined",
        "confirm": "true",
    }
    with httpx.Client(base_url=sandbox.base_url) as http:
        first = http.post("/v1/payment_intents", data=data, headers=headers)
        second = http.post("/v1/payment_intents", data=data, headers=headers)
    assert first.status_code == second.status_code == 402
    assert first.content == second.content
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers


def test_same_key_other_params_is_an_idempotency_error(
    stripe_client: stripe.StripeClient,
) -> None:
    options: stripe.RequestOptions = {"idempotency_key": "k-mismatch"}
    stripe_client.v1.payment_intents.create(
        params={"amount": 500, "currency": "usd"}, options=options
    )
    with pytest.raises(stripe.IdempotencyError) as caught:
        stripe_client.v1.payment_intents.create(
            params={"amount": 700, "currency": "usd"}, options=options
        )
    assert caught.value.http_status == 400


def test_keys_are_scoped_per_api_key(sandbox: SandboxClient) -> None:
    other = stripe.StripeClient(
        "sk_test_other", base_addresses={"api": sandbox.base_url}, max_network_retries=0
    )
    mine = stripe.StripeClient(
        STRIPE_KEY, base_addresses={"api": sandbox.base_url}, max_network_retries=0
    )
    options: stripe.RequestOptions = {"idempotency_key": "shared"}
    a = mine.v1.payment_intents.create(params={"amount": 500, "currency": "usd"}, options=options)
    b = other.v1.payment_intents.create(params={"amount": 900, "currency": "usd"}, options=options)
    assert a.id != b.id
