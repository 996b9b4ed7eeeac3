"""StripeProvider against a fake http_client: the encoded params, the Idempotency-Key, error mapping."""

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from shop.extensions import db
from shop.payments import services
from shop.payments.errors import PaymentError, WebhookRejectedError
from shop.payments.provider import CheckoutLine, CheckoutRequest
from shop.payments.stripe_provider import StripeProvider
from tests.order_factory import make_pending_order, make_shop
from tests.payments.fake_stripe import FakeStripeHTTP, error_body

EXPIRES = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def provider(http: FakeStripeHTTP, **kwargs: object) -> StripeProvider:
    return StripeProvider(
        secret_key="sk_test_fake",
        webhook_secret="whsec_fake",
        allowed_countries=("US", "CA"),
        http_client=http,
        max_network_retries=0,
        **kwargs,  # type: ignore[arg-type]
    )


def checkout_request(*, requires_shipping: bool, shipping_cents: int = 795) -> CheckoutRequest:
    lines = [CheckoutLine(name="90-Day Workbook", sku="GUIDE-WB", unit_amount_cents=1_900, quantity=1)]
    if requires_shipping:
        lines.insert(
            0,
            CheckoutLine(name="Spore Print Hoodie (M)", sku="HOODIE-M", unit_amount_cents=6_800, quantity=2),
        )
    return CheckoutRequest(
        order_id=42,
        order_number="GS-7K3Q9P",
        email="ana@example.com",
        currency="usd",
        lines=tuple(lines),
        requires_shipping=requires_shipping,
        shipping_cents=shipping_cents if requires_shipping else 0,
        total_cents=0,
        expires_at=EXPIRES,
        success_url="http://localhost/checkout/success?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://localhost/checkout/cancel/abc",
    )


def test_session_carries_the_orders_lines_metadata_expiry_and_urls() -> None:
    http = FakeStripeHTTP()

    started = provider(http).create_session(checkout_request(requires_shipping=True))

    sent = http.last
    params = sent["params"]
    assert (sent["method"], sent["path"]) == ("post", "/v1/checkout/sessions")
    assert started.session_id == "cs_test_fake"
    assert started.url == "https://checkout.stripe.com/c/pay/cs_test_fake"
    assert params["mode"] == "payment"
    assert params["line_items[0][price_data][unit_amount]"] == "6800"
    assert params["line_items[0][price_data][currency]"] == "usd"
    assert params["line_items[0][price_data][product_data][name]"] == "Spore Print Hoodie (M)"
    assert params["line_items[0][quantity]"] == "2"
    assert params["line_items[1][price_data][unit_amount]"] == "1900"
    assert params["client_reference_id"] == "42"
    assert params["metadata[order_id]"] == "42"
    assert params["metadata[order_number]"] == "GS-7K3Q9P"
    assert params["payment_intent_data[metadata][order_id]"] == "42"
    assert params["customer_email"] == "ana@example.com"
    assert params["expires_at"] == str(int(EXPIRES.timestamp()))
    assert params["success_url"].endswith("session_id={CHECKOUT_SESSION_ID}")
    assert params["cancel_url"] == "http://localhost/checkout/cancel/abc"
    assert "payment_method_types[0]" not in params  # gone from session creation in API 2026-10-28


def test_shipping_option_and_address_collection_when_the_order_ships() -> None:
    http = FakeStripeHTTP()

    provider(http).create_session(checkout_request(requires_shipping=True))

    params = http.last["params"]
    assert params["shipping_address_collection[allowed_countries][0]"] == "US"
    assert params["shipping_address_collection[allowed_countries][1]"] == "CA"
    assert params["shipping_options[0][shipping_rate_data][type]"] == "fixed_amount"
    assert params["shipping_options[0][shipping_rate_data][fixed_amount][amount]"] == "795"
    assert params["shipping_options[0][shipping_rate_data][fixed_amount][currency]"] == "usd"
    assert "shipping_options[1][shipping_rate_data][type]" not in params


def test_free_shipping_is_a_zero_amount_option() -> None:
    http = FakeStripeHTTP()

    provider(http).create_session(checkout_request(requires_shipping=True, shipping_cents=0))

    params = http.last["params"]
    assert params["shipping_options[0][shipping_rate_data][fixed_amount][amount]"] == "0"
    assert params["shipping_options[0][shipping_rate_data][display_name]"] == "Free shipping"


def test_no_shipping_option_or_address_collection_for_a_digital_order() -> None:
    http = FakeStripeHTTP()

    provider(http).create_session(checkout_request(requires_shipping=False))

    params = http.last["params"]
    assert not any(key.startswith("shipping_options") for key in params)
    assert not any(key.startswith("shipping_address_collection") for key in params)


def test_the_idempotency_key_is_stable_per_order() -> None:
    http = FakeStripeHTTP()
    stripe_provider = provider(http)

    stripe_provider.create_session(checkout_request(requires_shipping=False))
    stripe_provider.create_session(checkout_request(requires_shipping=False))

    keys = [request["headers"]["Idempotency-Key"] for request in http.requests]
    assert keys == ["checkout-session-42-GS-7K3Q9P"] * 2
    assert http.last["headers"]["Authorization"] == "Bearer sk_test_fake"


def test_stripe_api_base_points_the_client_at_a_local_fake() -> None:
    http = FakeStripeHTTP()

    provider(http, api_base="http://127.0.0.1:12111").create_session(
        checkout_request(requires_shipping=False)
    )

    assert http.last["url"].startswith("http://127.0.0.1:12111/v1/checkout/sessions")


@pytest.mark.parametrize(
    ("status", "error_type"),
    [(500, "api_error"), (400, "invalid_request_error"), (401, "invalid_request_error"), (429, "api_error")],
)
def test_stripe_errors_become_a_retryable_payment_error(status: int, error_type: str) -> None:
    http = FakeStripeHTTP()
    http.responses[("post", "/v1/checkout/sessions")] = (
        status,
        error_body("sk_live_secret detail", error_type),
    )

    with pytest.raises(PaymentError) as raised:
        provider(http).create_session(checkout_request(requires_shipping=False))

    assert raised.value.retryable
    assert "try again" in raised.value.message
    assert "sk_live" not in raised.value.message and "detail" not in raised.value.message


def test_refund_sends_amount_payment_intent_and_idempotency_key() -> None:
    http = FakeStripeHTTP()

    result = provider(http).refund(
        payment_intent_id="pi_123",
        amount_cents=500,
        idempotency_key="refund-1-0-500",
        metadata={"order_id": "1"},
    )

    assert http.last["path"] == "/v1/refunds"
    assert http.last["params"]["payment_intent"] == "pi_123"
    assert http.last["params"]["amount"] == "500"
    assert http.last["headers"]["Idempotency-Key"] == "refund-1-0-500"
    assert (result.refund_id, result.amount_cents, result.status) == ("re_fake", 500, "succeeded")


def test_refund_errors_are_payment_errors() -> None:
    http = FakeStripeHTTP()
    http.responses[("post", "/v1/refunds")] = (402, error_body("charge disputed", "invalid_request_error"))

    with pytest.raises(PaymentError):
        provider(http).refund(payment_intent_id="pi_1", amount_cents=1, idempotency_key="k", metadata={})


def test_retrieve_reads_the_2026_shipping_details_shape() -> None:
    http = FakeStripeHTTP()
    http.responses[("get", "/v1/checkout/sessions/cs_1")] = (
        200,
        {
            "id": "cs_1",
            "object": "checkout.session",
            "status": "complete",
            "payment_status": "paid",
            "amount_total": 14_395,
            "currency": "usd",
            "payment_intent": "pi_9",
            "metadata": {"order_id": "7"},
            "collected_information": {
                "shipping_details": {
                    "name": "Ana Lima",
                    "address": {
                        "line1": "1 Main",
                        "city": "Austin",
                        "state": "TX",
                        "postal_code": "78701",
                        "country": "US",
                    },
                }
            },
        },
    )

    snapshot = provider(http).retrieve_session("cs_1")

    assert snapshot.order_id == 7 and snapshot.is_paid
    assert snapshot.amount_total_cents == 14_395 and snapshot.payment_intent_id == "pi_9"
    assert (
        snapshot.shipping is not None
        and snapshot.shipping.city == "Austin"
        and snapshot.shipping.region == "TX"
    )


def test_list_recent_sessions_pages_through_created_since() -> None:
    http = FakeStripeHTTP()
    http.responses[("get", "/v1/checkout/sessions")] = (
        200,
        {
            "object": "list",
            "url": "/v1/checkout/sessions",
            "has_more": False,
            "data": [{"id": "cs_a", "object": "checkout.session", "metadata": {"order_id": "3"}}],
        },
    )

    snapshots = list(provider(http).list_recent_sessions(since=EXPIRES))

    assert [s.session_id for s in snapshots] == ["cs_a"]
    assert f"created[gte]={int(EXPIRES.timestamp())}" in http.last["url"].replace("%5B", "[").replace(
        "%5D", "]"
    )


def test_webhook_verification_rejects_a_bad_signature() -> None:
    with pytest.raises(WebhookRejectedError):
        provider(FakeStripeHTTP()).parse_webhook(b'{"id": "evt_1"}', "t=1,v1=deadbeef")


# --- choosing the provider --------------------------------------------------------------------------


def test_auto_picks_stripe_when_both_keys_are_set(make_app) -> None:
    app = make_app(PAYMENT_PROVIDER="auto", STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")

    assert app.extensions["payment_provider"].name == "stripe"


@pytest.mark.parametrize(
    "keys", [{}, {"STRIPE_SECRET_KEY": "sk_test_x"}, {"STRIPE_WEBHOOK_SECRET": "whsec_x"}]
)
def test_auto_falls_back_to_dev_without_both_keys(make_app, keys: dict[str, str]) -> None:
    app = make_app(PAYMENT_PROVIDER="auto", **keys)

    assert app.extensions["payment_provider"].name == "dev"


def test_stripe_without_keys_refuses_to_start(make_app) -> None:
    with pytest.raises(RuntimeError, match="STRIPE_SECRET_KEY"):
        make_app(PAYMENT_PROVIDER="stripe", APP_ENV="production", SECRET_KEY="s3cret")


def test_the_dev_provider_refuses_production(make_app) -> None:
    with pytest.raises(RuntimeError, match="ALLOW_DEV_PAYMENTS"):
        make_app(PAYMENT_PROVIDER="auto", APP_ENV="production", SECRET_KEY="s3cret")


def test_allow_dev_payments_lets_a_production_demo_run(make_app) -> None:
    app = make_app(PAYMENT_PROVIDER="dev", APP_ENV="production", SECRET_KEY="s3cret", ALLOW_DEV_PAYMENTS=True)

    assert app.extensions["payment_provider"].name == "dev"


def test_an_unknown_provider_name_is_refused(make_app) -> None:
    with pytest.raises(RuntimeError, match="PAYMENT_PROVIDER"):
        make_app(PAYMENT_PROVIDER="paypal")


def test_the_dev_secret_is_derived_from_the_secret_key(app: Flask, make_app) -> None:
    other = make_app(SECRET_KEY="another-key")

    mine = app.extensions["payment_provider"].webhook_secret
    assert mine.startswith("whsec_dev_")
    assert mine != other.extensions["payment_provider"].webhook_secret
    assert mine == make_app().extensions["payment_provider"].webhook_secret  # every worker agrees


@pytest.mark.parametrize("minutes", [0, -1, 24 * 60 + 1])
def test_reservation_minutes_out_of_range_refuse_to_start(make_app, minutes: int) -> None:
    with pytest.raises(RuntimeError, match="RESERVATION_MINUTES"):
        make_app(RESERVATION_MINUTES=minutes)


def test_the_dev_provider_holds_stock_exactly_reservation_minutes(make_app) -> None:
    app = make_app(RESERVATION_MINUTES=5)
    with app.app_context(), app.test_request_context():
        make_shop()
        order = make_pending_order(("TEE-M", 1), session_id=None)

        services.start_payment(order.id)

        order = db.session.get(type(order), order.id)
        held = order.reservation_expires_at - order.created_at
        assert timedelta(minutes=4, seconds=58) < held <= timedelta(minutes=5, seconds=1)
        assert order.payment_session_id.startswith("cs_dev_")
