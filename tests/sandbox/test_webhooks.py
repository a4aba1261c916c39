from __future__ import annotations

import json
import time

import stripe

from sandbox.client import SandboxClient
from sandbox.config import SandboxConfig

from .conftest import WebhookReceiver


def test_events_are_signed_as_stripe_signs_them(
    stripe_client: stripe.StripeClient,
    sandbox: SandboxClient,
    receiver: WebhookReceiver,
    sandbox_config: SandboxConfig,
) -> None:
    intent = stripe_client.v1.payment_intents.create(
        params={"amount": 500, "currency": "usd", "metadata": {"workflow_id": "rsvp:e:u"}},
        options={"idempotency_key": "k-evt"},
    )
    sandbox.pay(intent.id)
    [received] = receiver.wait_for(lambda got: len(got) == 1)
    event = stripe.Webhook.construct_event(
        received.body, received.headers["stripe-signature"], sandbox_config.stripe_webhook_secret
    )
    assert event.type == "payment_intent.succeeded"
    assert event.id.startswith("evt_")
    assert event.data.object["id"] == intent.id
    assert event.data.object["metadata"]["workflow_id"] == "rsvp:e:u"
    assert event.livemode is False
    assert event.api_version
    [stored] = sandbox.objects("events")
    assert stored["id"] == event.id


def test_api_caused_event_names_its_request(
    stripe_client: stripe.StripeClient, sandbox: SandboxClient, receiver: WebhookReceiver
) -> None:
    intent = stripe_client.v1.payment_intents.create(params={"amount": 500, "currency": "usd"})
    stripe_client.v1.payment_intents.cancel(intent.id, options={"idempotency_key": "k-cancel"})
    [received] = receiver.wait_for(lambda got: len(got) == 1)
    event = json.loads(received.body)
    assert event["type"] == "payment_intent.canceled"
    assert event["request"]["idempotency_key"] == "k-cancel"
    assert event["request"]["id"].startswith("req_")


def test_decline_emits_payment_failed(
    stripe_client: stripe.StripeClient, sandbox: SandboxClient, receiver: WebhookReceiver
) -> None:
    intent = stripe_client.v1.payment_intents.create(params={"amount": 500, "currency": "usd"})
    sandbox.pay(intent.id, "pm_card_chargeDeclined")
    [received] = receiver.wait_for(lambda got: len(got) == 1)
    event = json.loads(received.body)
    assert event["type"] == "payment_intent.payment_failed"
    assert event["data"]["object"]["last_payment_error"]["decline_code"] == "generic_decline"


def test_failed_delivery_is_retried(
    stripe_client: stripe.StripeClient,
    sandbox: SandboxClient,
    receiver: WebhookReceiver,
    sandbox_config: SandboxConfig,
) -> None:
    receiver.statuses.extend([500])
    intent = stripe_client.v1.payment_intents.create(params={"amount": 500, "currency": "usd"})
    sandbox.pay(intent.id)
    first, second = receiver.wait_for(lambda got: len(got) == 2)
    assert json.loads(first.body)["id"] == json.loads(second.body)["id"]
    for attempt in (first, second):  # each attempt is signed afresh and valid
        stripe.Webhook.construct_event(
            attempt.body, attempt.headers["stripe-signature"], sandbox_config.stripe_webhook_secret
        )
    deliveries = sandbox.webhook_deliveries("payment_intent.succeeded")
    assert [(d["attempt"], d["statusCode"], d["ok"]) for d in deliveries] == [
        (1, 500, False),
        (2, 200, True),
    ]


def test_unreachable_endpoint_gives_up_after_max_attempts(
    stripe_client: stripe.StripeClient, sandbox: SandboxClient
) -> None:
    sandbox.configure(stripe_webhook_urls=["http://127.0.0.1:9/unreachable"])
    intent = stripe_client.v1.payment_intents.create(params={"amount": 500, "currency": "usd"})
    stripe_client.v1.payment_intents.cancel(intent.id)
    deadline = time.monotonic() + 5
    while len(sandbox.webhook_deliveries()) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    deliveries = sandbox.webhook_deliveries()
    assert [d["attempt"] for d in deliveries] == [1, 2, 3, 4]
    assert all(d["error"] and d["statusCode"] is None for d in deliveries)


def test_replay_resends_the_same_event(
    stripe_client: stripe.StripeClient,
    sandbox: SandboxClient,
    receiver: WebhookReceiver,
    sandbox_config: SandboxConfig,
) -> None:
    intent = stripe_client.v1.payment_intents.create(params={"amount": 500, "currency": "usd"})
    sandbox.pay(intent.id)
    [original] = receiver.wait_for(lambda got: len(got) == 1)
    event_id = json.loads(original.body)["id"]
    assert sandbox.replay_webhook(event_id)["urls"] == sandbox_config.stripe_webhook_urls
    _, replayed = receiver.wait_for(lambda got: len(got) == 2)
    assert json.loads(replayed.body)["id"] == event_id
    stripe.Webhook.construct_event(
        replayed.body, replayed.headers["stripe-signature"], sandbox_config.stripe_webhook_secret
    )


def test_several_endpoints_each_get_the_event(
    stripe_client: stripe.StripeClient, sandbox: SandboxClient, receiver: WebhookReceiver
) -> None:
    sandbox.configure(stripe_webhook_urls=[receiver.url("/stripe"), receiver.url("/second")])
    intent = stripe_client.v1.payment_intents.create(params={"amount": 500, "currency": "usd"})
    stripe_client.v1.payment_intents.cancel(intent.id)
    receiver.wait_for(lambda got: len(got) == 2)
    assert {r.path for r in receiver.received} == {"/stripe", "/second"}
    assert json.loads(receiver.received[0].body)["pending_webhooks"] == 2
