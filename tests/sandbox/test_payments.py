from __future__ import annotations

import re

import pytest
import stripe

from sandbox.client import SandboxClient


def _create(client: stripe.StripeClient, **extra: object) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        params={
            "amount": 500,
            "currency": "usd",
            "metadata": {"user_id": "u1", "workflow_id": "rsvp:e1:u1"},
            "automatic_payment_methods": {"enabled": True},
            **extra,  # type: ignore[typeddict-item]
        }
    )


def test_create_starts_waiting_for_a_payment_method(stripe_client: stripe.StripeClient) -> None:
    intent = _create(stripe_client)
    assert intent.id.startswith("pi_")
    assert intent.object == "payment_intent"
    assert intent.status == "requires_payment_method"
    assert intent.amount == 500
    assert intent.currency == "usd"
    assert intent.amount_received == 0
    assert intent.metadata.to_dict() == {"user_id": "u1", "workflow_id": "rsvp:e1:u1"}
    assert intent.automatic_payment_methods is not None
    assert intent.automatic_payment_methods.enabled is True
    assert re.fullmatch(rf"{intent.id}_secret_\w+", intent.client_secret or "")
    assert intent.livemode is False


def test_pay_through_the_control_succeeds(
    stripe_client: stripe.StripeClient, sandbox: SandboxClient
) -> None:
    intent = _create(stripe_client)
    paid = sandbox.pay(intent.id)
    assert paid["status"] == "succeeded"
    fetched = stripe_client.v1.payment_intents.retrieve(intent.id)
    assert fetched.status == "succeeded"
    assert fetched.amount_received == 500
    assert str(fetched.latest_charge).startswith("ch_")
    [charge] = sandbox.objects("charges")
    assert charge["id"] == fetched.latest_charge
    assert charge["paid"] is True


async def test_async_confirm_and_update(stripe_client: stripe.StripeClient) -> None:
    intent = await stripe_client.v1.payment_intents.create_async(
        params={"amount": 1500, "currency": "eur", "payment_method": "pm_card_visa"}
    )
    assert intent.status == "requires_confirmation"
    updated = await stripe_client.v1.payment_intents.update_async(
        intent.id, params={"metadata": {"rsvp_id": "r1"}}
    )
    assert updated.metadata.to_dict() == {"rsvp_id": "r1"}
    confirmed = await stripe_client.v1.payment_intents.confirm_async(intent.id)
    assert confirmed.status == "succeeded"


def test_create_and_confirm_in_one_call(stripe_client: stripe.StripeClient) -> None:
    intent = _create(stripe_client, payment_method="pm_card_visa", confirm=True)
    assert intent.status == "succeeded"


def test_decline_raises_card_error_and_waits_for_another_method(
    stripe_client: stripe.StripeClient, sandbox: SandboxClient
) -> None:
    intent = _create(stripe_client)
    with pytest.raises(stripe.CardError) as caught:
        stripe_client.v1.payment_intents.confirm(
            intent.id, params={"payment_method": "pm_card_chargeDeclined"}
        )
    assert caught.value.http_status == 402
    assert caught.value.code == "card_declined"
    assert caught.value.error is not None
    assert caught.value.error.decline_code == "generic_decline"
    assert caught.value.request_id
    assert caught.value.request_id.startswith("req_")
    after = stripe_client.v1.payment_intents.retrieve(intent.id)
    assert after.status == "requires_payment_method"
    assert after.last_payment_error is not None
    assert after.last_payment_error.code == "card_declined"
    # The phone can then pay with another card.
    declined = sandbox.pay(intent.id, "pm_card_chargeDeclinedInsufficientFunds")
    assert declined["error"]["decline_code"] == "insufficient_funds"
    assert sandbox.pay(intent.id)["status"] == "succeeded"


def test_cancel_then_cancel_after_success_fails(
    stripe_client: stripe.StripeClient, sandbox: SandboxClient
) -> None:
    intent = _create(stripe_client)
    canceled = stripe_client.v1.payment_intents.cancel(
        intent.id, params={"cancellation_reason": "abandoned"}
    )
    assert canceled.status == "canceled"
    assert canceled.cancellation_reason == "abandoned"
    assert canceled.canceled_at is not None

    paid = _create(stripe_client)
    sandbox.pay(paid.id)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.payment_intents.cancel(paid.id)
    assert caught.value.http_status == 400
    assert caught.value.code == "payment_intent_unexpected_state"
    assert "because it has a status of succeeded" in str(caught.value.user_message)
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.payment_intents.cancel(intent.id)  # already canceled


async def test_unknown_intent_is_404(stripe_client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await stripe_client.v1.payment_intents.retrieve_async("pi_nope")
    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"


def test_validation_errors(stripe_client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.payment_intents.create(params={"currency": "usd"})  # type: ignore[typeddict-item]
    assert caught.value.code == "parameter_missing"
    assert caught.value.param == "amount"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.payment_intents.create(params={"amount": 10, "currency": "usd"})
    assert caught.value.code == "amount_too_small"


def test_objects_listing_counts_by_metadata(
    stripe_client: stripe.StripeClient, sandbox: SandboxClient
) -> None:
    _create(stripe_client)
    _create(stripe_client)
    intents = sandbox.objects("payment_intents")
    assert sum(1 for i in intents if i["metadata"].get("user_id") == "u1") == 2
