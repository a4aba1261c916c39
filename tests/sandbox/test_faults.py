from __future__ import annotations

import time

import pytest
import requests
import stripe
from postmarker.core import PostmarkClient
from stripe.params import PaymentIntentCreateParams

from sandbox.client import SandboxClient


def _params() -> PaymentIntentCreateParams:
    return {"amount": 500, "currency": "usd", "metadata": {"user_id": "u-fault"}}


def test_bad_key_is_an_authentication_error(sandbox: SandboxClient) -> None:
    client = stripe.StripeClient(
        "rk_live_wrong", base_addresses={"api": sandbox.base_url}, max_network_retries=0
    )
    with pytest.raises(stripe.AuthenticationError) as caught:
        client.v1.payment_intents.create(params=_params())
    assert caught.value.http_status == 401


@pytest.mark.parametrize(
    ("status", "error_class"), [(500, stripe.APIError), (429, stripe.RateLimitError)]
)
async def test_injected_statuses_raise_the_sdk_classes(
    stripe_client: stripe.StripeClient,
    sandbox: SandboxClient,
    status: int,
    error_class: type[stripe.StripeError],
) -> None:
    sandbox.set_faults("stripe", rate=1.0, statuses=[status])
    with pytest.raises(error_class) as caught:
        await stripe_client.v1.payment_intents.create_async(params=_params())
    assert caught.value.http_status == status
    if status == 429:
        assert caught.value.headers is not None
        assert caught.value.headers.get("retry-after") == "1"
    assert sandbox.objects("payment_intents") == []  # "before": nothing was processed
    sandbox.clear_faults()
    assert (await stripe_client.v1.payment_intents.create_async(params=_params())).id


def test_fault_after_commit_keeps_the_object_and_the_idempotent_result(
    stripe_client: stripe.StripeClient, sandbox: SandboxClient
) -> None:
    sandbox.set_faults("stripe", rate=1.0, statuses=[500], when="after")
    options: stripe.RequestOptions = {"idempotency_key": "rsvp:r9:payment_intent"}
    with pytest.raises(stripe.APIError):
        stripe_client.v1.payment_intents.create(params=_params(), options=options)
    [stored] = sandbox.objects("payment_intents")
    sandbox.clear_faults()
    # The retry with the same key gets the intent that was created, not a second one.
    retried = stripe_client.v1.payment_intents.create(params=_params(), options=options)
    assert retried.id == stored["id"]
    assert len(sandbox.objects("payment_intents")) == 1


def test_partial_rate_is_reproducible_with_a_seed(
    stripe_client: stripe.StripeClient, sandbox: SandboxClient
) -> None:
    def outcomes() -> list[bool]:
        results = []
        for _ in range(20):
            try:
                stripe_client.v1.payment_intents.create(params=_params())
                results.append(True)
            except stripe.APIError:
                results.append(False)
        return results

    sandbox.set_faults("stripe", rate=0.3, statuses=[500], seed=7)
    first = outcomes()
    sandbox.set_faults("stripe", rate=0.3, statuses=[500], seed=7)
    assert outcomes() == first
    assert 0 < first.count(False) < 20


def test_delay_without_status(stripe_client: stripe.StripeClient, sandbox: SandboxClient) -> None:
    sandbox.set_faults("stripe", rate=1.0, statuses=[], delay_ms=200)
    started = time.monotonic()
    stripe_client.v1.payment_intents.create(params=_params())
    assert time.monotonic() - started >= 0.2


def test_controls_ignore_faults(stripe_client: stripe.StripeClient, sandbox: SandboxClient) -> None:
    intent = stripe_client.v1.payment_intents.create(params=_params())
    sandbox.set_faults("stripe", rate=1.0, statuses=[500])
    assert sandbox.pay(intent.id)["status"] == "succeeded"
    assert sandbox.objects("payment_intents")[0]["status"] == "succeeded"


def test_postmark_faults(postmark: PostmarkClient, sandbox: SandboxClient) -> None:
    sandbox.set_faults("postmark", rate=1.0, statuses=[503])
    with pytest.raises(requests.HTTPError) as caught:
        postmark.emails.send(From="a@momento.test", To="b@example.com", Subject="s", TextBody="t")
    assert caught.value.response is not None
    assert caught.value.response.status_code == 503
    sandbox.set_faults("postmark", rate=1.0, statuses=[500], when="after")
    with pytest.raises(requests.HTTPError):
        postmark.emails.send(From="a@momento.test", To="b@example.com", Subject="s", TextBody="t")
    assert len(sandbox.emails(to="b@example.com")) == 1  # sent, then the answer was lost
