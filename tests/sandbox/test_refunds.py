from __future__ import annotations

import json

import pytest
import stripe

from sandbox.client import SandboxClient

from .conftest import WebhookReceiver


def _paid_intent(client: stripe.StripeClient, sandbox: SandboxClient) -> stripe.PaymentIntent:
    intent = client.v1.payment_intents.create(params={"amount": 500, "currency": "usd"})
    sandbox.pay(intent.id)
    return intent


def test_partial_then_remaining_refund(
    stripe_client: stripe.StripeClient, sandbox: SandboxClient
) -> None:
    intent = _paid_intent(stripe_client, sandbox)
    first = stripe_client.v1.refunds.create(
        params={
            "payment_intent": intent.id,
            "amount": 200,
            "reason": "requested_by_customer",
            "metadata": {"rsvp_id": "r1"},
        }
    )
    assert first.id.startswith("re_")
    assert (first.amount, first.status, first.currency) == (200, "succeeded", "usd")
    assert first.payment_intent == intent.id
    assert str(first.charge).startswith("ch_")
    rest = stripe_client.v1.refunds.create(params={"payment_intent": intent.id})
    assert rest.amount == 300
    metadata = stripe_client.v1.refunds.retrieve(first.id).metadata
    assert metadata is not None
    assert metadata.to_dict() == {"rsvp_id": "r1"}
    charge = stripe_client.v1.charges.retrieve(str(first.charge))
    assert charge.amount_refunded == 500
    assert charge.refunded is True


def test_over_refund_and_refund_of_unpaid_intent_fail(
    stripe_client: stripe.StripeClient, sandbox: SandboxClient
) -> None:
    intent = _paid_intent(stripe_client, sandbox)
    with pytest.raises(stripe.InvalidRequestError) as too_large:
        stripe_client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 600})
    assert too_large.value.http_status == 400
    assert too_large.value.param == "amount"
    stripe_client.v1.refunds.create(params={"payment_intent": intent.id})
    with pytest.raises(stripe.InvalidRequestError) as again:
        stripe_client.v1.refunds.create(params={"payment_intent": intent.id})
    assert again.value.code == "charge_already_refunded"

    unpaid = stripe_client.v1.payment_intents.create(params={"amount": 500, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.refunds.create(params={"payment_intent": unpaid.id})


def test_refund_emits_charge_refunded(
    stripe_client: stripe.StripeClient, sandbox: SandboxClient, receiver: WebhookReceiver
) -> None:
    intent = _paid_intent(stripe_client, sandbox)
    stripe_client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 100})
    received = receiver.wait_for(lambda got: any('"charge.refunded"' in r.body for r in got))
    [refunded] = [json.loads(r.body) for r in received if '"charge.refunded"' in r.body]
    charge = refunded["data"]["object"]
    assert charge["object"] == "charge"
    assert charge["payment_intent"] == intent.id
    assert charge["amount_refunded"] == 100
    assert charge["refunded"] is False
