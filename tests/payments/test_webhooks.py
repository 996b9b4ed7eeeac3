"""POST /webhooks/stripe with payloads signed like Stripe's: verification, idempotency, every event."""

import json
import time

import pytest
import sqlalchemy as sa
import stripe
from flask import Flask
from flask.testing import FlaskClient

from shop.downloads.models import DownloadGrant
from shop.extensions import db
from shop.orders.models import OrderEvent, PaymentEventRecord
from tests.checkout_helpers import event, outbox, post_webhook, session_object, webhook_secret
from tests.factories import stock_of
from tests.order_factory import make_pending_order, reload


def completed(order, event_id: str = "evt_1", **overrides) -> dict:
    return event("checkout.session.completed", session_object(order, **overrides), event_id=event_id)


def test_a_paid_completed_session_fulfils_the_order(client: FlaskClient, app: Flask, shop: dict) -> None:
    order = make_pending_order(("HOODIE-M", 2), ("GUIDE-WB", 1))

    response = post_webhook(client, completed(order))

    assert response.status_code == 200
    assert response.get_json() == {"received": True, "outcome": "applied"}
    order = reload(order)
    assert order.status == "paid" and order.payment_intent_id == "pi_test_123"
    assert stock_of("HOODIE-M") == 8  # the reservation is kept
    grants = db.session.scalars(sa.select(DownloadGrant)).all()
    assert [(grant.order_id, grant.product_id) for grant in grants] == [(order.id, shop["guide"].id)]
    [email] = outbox(app)
    assert email.to == ["ana@example.com"] and order.number in email.subject


def test_a_digital_only_order_is_fulfilled_when_paid(client: FlaskClient, shop: dict) -> None:
    order = make_pending_order(("GUIDE-WB", 1))

    post_webhook(client, completed(order))

    order = reload(order)
    assert order.status == "fulfilled" and order.fulfilled_at is not None
    assert [event.to_status for event in order.events if event.kind == "status"] == ["paid", "fulfilled"]


def test_a_bad_signature_is_400_and_changes_nothing(client: FlaskClient, shop: dict) -> None:
    order = make_pending_order(("HOODIE-M", 1))

    response = post_webhook(client, completed(order), secret="whsec_wrong")

    assert response.status_code == 400
    assert reload(order).status == "pending_payment"


def test_a_missing_signature_is_400(client: FlaskClient, shop: dict) -> None:
    order = make_pending_order(("HOODIE-M", 1))

    response = client.post("/webhooks/stripe", data=json.dumps(completed(order)))

    assert response.status_code == 400
    assert reload(order).status == "pending_payment"


def test_a_changed_byte_breaks_the_signature(client: FlaskClient, shop: dict) -> None:
    order = make_pending_order(("HOODIE-M", 1))
    payload = json.dumps(completed(order))
    header = stripe.WebhookSignature.generate_signature_header(payload, webhook_secret())

    response = client.post(
        "/webhooks/stripe", data=payload.replace('"paid"', '"pa1d"', 1), headers={"Stripe-Signature": header}
    )

    assert response.status_code == 400


def test_a_stale_timestamp_is_400(client: FlaskClient, shop: dict) -> None:
    order = make_pending_order(("HOODIE-M", 1))

    response = post_webhook(client, completed(order), timestamp=int(time.time()) - 301)

    assert response.status_code == 400
    assert reload(order).status == "pending_payment"


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '{"id": "evt_x"}', '"just a string"', ""])
def test_malformed_json_is_400(client: FlaskClient, body: str) -> None:
    response = post_webhook(client, body)

    assert response.status_code == 400


def test_a_replayed_event_fulfils_once_and_sends_one_email(
    client: FlaskClient, app: Flask, shop: dict
) -> None:
    order = make_pending_order(("HOODIE-M", 1), ("GUIDE-WB", 1))

    first = post_webhook(client, completed(order))
    second = post_webhook(client, completed(order))

    assert first.get_json()["outcome"] == "applied"
    assert second.status_code == 200 and second.get_json()["outcome"] == "duplicate"
    assert len(outbox(app)) == 1
    assert db.session.scalar(sa.select(sa.func.count(DownloadGrant.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(PaymentEventRecord.id))) == 1
    assert stock_of("HOODIE-M") == 9


def test_the_same_payment_under_another_event_id_changes_nothing(
    client: FlaskClient, app: Flask, shop: dict
) -> None:
    order = make_pending_order(("GUIDE-WB", 1))

    post_webhook(client, completed(order, event_id="evt_1"))
    response = post_webhook(
        client, event("checkout.session.async_payment_succeeded", session_object(order), event_id="evt_2")
    )

    assert response.get_json()["outcome"] == "already_done"
    assert len(outbox(app)) == 1


def test_async_success_before_completed(client: FlaskClient, app: Flask, shop: dict) -> None:
    order = make_pending_order(("HOODIE-M", 1))

    succeeded = post_webhook(
        client, event("checkout.session.async_payment_succeeded", session_object(order), event_id="evt_2")
    )
    late_completed = post_webhook(client, completed(order, event_id="evt_1", payment_status="unpaid"))

    assert succeeded.get_json()["outcome"] == "applied"
    assert late_completed.status_code == 200
    assert reload(order).status == "paid"
    assert len(outbox(app)) == 1


def test_completed_but_unpaid_waits_for_the_async_result(client: FlaskClient, shop: dict) -> None:
    order = make_pending_order(("HOODIE-M", 1))

    response = post_webhook(client, completed(order, payment_status="unpaid"))

    assert response.get_json()["outcome"] == "ignored"
    assert reload(order).status == "pending_payment"
    assert stock_of("HOODIE-M") == 9


def test_async_failure_returns_the_stock(client: FlaskClient, shop: dict) -> None:
    order = make_pending_order(("HOODIE-M", 2))

    post_webhook(
        client,
        event("checkout.session.async_payment_failed", session_object(order, payment_status="unpaid")),
    )

    assert reload(order).status == "payment_failed"
    assert stock_of("HOODIE-M") == 10


def test_expiry_returns_the_stock_once(client: FlaskClient, shop: dict) -> None:
    order = make_pending_order(("HOODIE-M", 2), ("TEE-M", 1))
    expired = session_object(order, status="expired", payment_status="unpaid")

    first = post_webhook(client, event("checkout.session.expired", expired, event_id="evt_a"))
    replay = post_webhook(client, event("checkout.session.expired", expired, event_id="evt_a"))
    another = post_webhook(client, event("checkout.session.expired", expired, event_id="evt_b"))

    assert [r.get_json()["outcome"] for r in (first, replay, another)] == [
        "applied",
        "duplicate",
        "already_done",
    ]
    assert reload(order).status == "expired"
    assert stock_of("HOODIE-M") == 10 and stock_of("TEE-M") == 20


def test_expiry_after_payment_changes_nothing(client: FlaskClient, shop: dict) -> None:
    order = make_pending_order(("HOODIE-M", 2))
    post_webhook(client, completed(order))

    response = post_webhook(
        client, event("checkout.session.expired", session_object(order, status="expired"), event_id="evt_9")
    )

    assert response.get_json()["outcome"] == "already_done"
    assert reload(order).status == "paid" and stock_of("HOODIE-M") == 8


@pytest.mark.parametrize(
    ("overrides", "words"), [({"amount_total": 100}, "$1.00"), ({"currency": "eur"}, "EUR")]
)
def test_an_amount_or_currency_mismatch_is_flagged_not_fulfilled(
    client: FlaskClient, app: Flask, shop: dict, overrides: dict, words: str
) -> None:
    order = make_pending_order(("HOODIE-M", 1), ("GUIDE-WB", 1))

    response = post_webhook(client, completed(order, **overrides))

    assert response.status_code == 200 and response.get_json()["outcome"] == "flagged"
    order = reload(order)
    assert order.status == "pending_payment"
    assert order.needs_attention and words in order.attention_reason
    assert any(event.kind == "flagged" for event in order.events)
    assert outbox(app) == [] and db.session.scalar(sa.select(sa.func.count(DownloadGrant.id))) == 0
    assert stock_of("HOODIE-M") == 9  # still held while staff look


def test_an_unknown_event_type_is_ignored(client: FlaskClient, shop: dict) -> None:
    order = make_pending_order(("HOODIE-M", 1))

    response = post_webhook(
        client, event("payment_intent.created", {"id": "pi_1", "object": "payment_intent"})
    )

    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"
    assert reload(order).status == "pending_payment"


@pytest.mark.parametrize("order_id", ["999999", "not-a-number", None])
def test_an_unknown_order_is_200_and_changes_nothing(client: FlaskClient, shop: dict, order_id) -> None:
    order = make_pending_order(("HOODIE-M", 1))
    obj = session_object(order, metadata={"order_id": order_id}, client_reference_id=order_id)

    response = post_webhook(client, event("checkout.session.completed", obj))

    assert response.status_code == 200 and response.get_json()["outcome"] == "unknown_order"
    assert reload(order).status == "pending_payment"


def test_charge_refunded_records_a_partial_then_full_refund(client: FlaskClient, shop: dict) -> None:
    order = make_pending_order(("HOODIE-M", 1), ("GUIDE-WB", 1))
    post_webhook(client, completed(order))
    charge = {"id": "ch_1", "object": "charge", "payment_intent": "pi_test_123", "currency": "usd"}

    post_webhook(client, event("charge.refunded", {**charge, "amount_refunded": 1_000}, event_id="evt_r1"))
    partial = reload(order)
    assert (partial.status, partial.refunded_cents) == ("partially_refunded", 1_000)

    post_webhook(
        client, event("charge.refunded", {**charge, "amount_refunded": order.total_cents}, event_id="evt_r2")
    )
    replay = post_webhook(
        client, event("charge.refunded", {**charge, "amount_refunded": 1_000}, event_id="evt_r3")
    )

    order = reload(order)
    assert (order.status, order.refunded_cents) == ("refunded", order.total_cents)
    assert replay.get_json()["outcome"] == "already_done"
    grant = db.session.scalar(sa.select(DownloadGrant))
    assert grant.revoked_at is not None


def test_a_late_payment_takes_the_stock_again_when_it_is_there(client: FlaskClient, shop: dict) -> None:
    order = make_pending_order(("HOODIE-M", 2))
    post_webhook(
        client, event("checkout.session.expired", session_object(order, status="expired"), event_id="e1")
    )
    assert stock_of("HOODIE-M") == 10

    response = post_webhook(client, completed(order, event_id="e2"))

    assert response.get_json()["outcome"] == "applied"
    order = reload(order)
    assert order.status == "paid" and order.reservation_released_at is None
    assert stock_of("HOODIE-M") == 8


def test_a_late_payment_without_stock_is_refunded_and_flagged(client: FlaskClient, shop: dict) -> None:
    order = make_pending_order(("MUG", 3))
    post_webhook(
        client, event("checkout.session.expired", session_object(order, status="expired"), event_id="e1")
    )
    make_pending_order(("MUG", 2), session_id="cs_other")  # someone else bought them meanwhile

    response = post_webhook(client, completed(order, event_id="e2"))

    assert response.get_json()["outcome"] == "flagged"
    order = reload(order)
    assert order.status == "refunded" and order.refunded_cents == order.total_cents
    assert order.needs_attention and "refunding" in order.attention_reason
    assert stock_of("MUG") == 1  # never oversold
    notes = " ".join(event.note for event in db.session.scalars(sa.select(OrderEvent)))
    assert "Could not reserve stock again" in notes
