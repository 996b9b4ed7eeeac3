"""`flask shop release-expired` and `flask shop reconcile-payments`."""

from datetime import timedelta

from flask import Flask

from shop.clock import utcnow
from shop.extensions import db
from shop.orders.models import Order
from shop.payments.stripe_provider import StripeProvider
from tests.factories import stock_of
from tests.order_factory import make_pending_order, make_shop, reload
from tests.payments.fake_stripe import FakeStripeHTTP, error_body


def test_release_expired(app: Flask, shop: dict) -> None:
    order = make_pending_order(("HOODIE-M", 2))
    db.session.get(Order, order.id).reservation_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    first = app.test_cli_runner().invoke(args=["shop", "release-expired"])
    second = app.test_cli_runner().invoke(args=["shop", "release-expired"])

    assert first.exit_code == 0 and "Released the reservation of 1 expired order(s)." in first.output
    assert "of 0 expired" in second.output
    assert reload(order).status == "expired" and stock_of("HOODIE-M") == 10


def stripe_app(make_app, http: FakeStripeHTTP) -> Flask:
    app = make_app(PAYMENT_PROVIDER="stripe", STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")
    app.extensions["payment_provider"] = StripeProvider(
        secret_key="sk_test_x", webhook_secret="whsec_x", http_client=http, max_network_retries=0
    )
    return app


def test_reconcile_applies_sessions_whose_webhook_never_arrived(make_app) -> None:
    http = FakeStripeHTTP()
    app = stripe_app(make_app, http)
    with app.app_context():
        make_shop()
        paid = make_pending_order(("HOODIE-M", 1), session_id="cs_paid")
        expired = make_pending_order(("TEE-M", 2), session_id="cs_expired")
        open_ = make_pending_order(("MUG", 1), session_id="cs_open")
        http.responses[("get", "/v1/checkout/sessions")] = (
            200,
            {
                "object": "list",
                "url": "/v1/checkout/sessions",
                "has_more": False,
                "data": [
                    {
                        "id": "cs_paid",
                        "object": "checkout.session",
                        "status": "complete",
                        "payment_status": "paid",
                        "amount_total": paid.total_cents,
                        "currency": "usd",
                        "payment_intent": "pi_1",
                        "metadata": {"order_id": str(paid.id)},
                    },
                    {
                        "id": "cs_expired",
                        "object": "checkout.session",
                        "status": "expired",
                        "payment_status": "unpaid",
                        "metadata": {"order_id": str(expired.id)},
                    },
                    {
                        "id": "cs_open",
                        "object": "checkout.session",
                        "status": "open",
                        "payment_status": "unpaid",
                        "metadata": {"order_id": str(open_.id)},
                    },
                    {"id": "cs_stranger", "object": "checkout.session", "status": "complete", "metadata": {}},
                ],
            },
        )

        first = app.test_cli_runner().invoke(args=["shop", "reconcile-payments", "--hours", "2"])
        second = app.test_cli_runner().invoke(args=["shop", "reconcile-payments"])

        assert first.exit_code == 0, first.output
        assert "Checked 4 session(s) from the last 2 hours" in first.output
        assert "2 applied, 1 ignored, 1 unknown_order" in first.output
        assert "2 already_done" in second.output
        assert reload(paid).status == "paid" and reload(expired).status == "expired"
        assert reload(open_).status == "pending_payment"
        assert stock_of("TEE-M") == 20 and stock_of("HOODIE-M") == 9


def test_reconcile_reports_a_provider_outage(make_app) -> None:
    http = FakeStripeHTTP()
    http.responses[("get", "/v1/checkout/sessions")] = (500, error_body())
    app = stripe_app(make_app, http)

    result = app.test_cli_runner().invoke(args=["shop", "reconcile-payments"])

    assert result.exit_code != 0 and "Could not list sessions" in result.output
