"""Checkout helpers: the cart and checkout form as a shopper sends them, the development payment page,
the outbox, and webhooks signed like Stripe's."""

import json
import re
import time
from html.parser import HTMLParser
from typing import Any

import stripe
from flask import Flask
from flask.testing import FlaskClient

from shop.orders.models import Order
from shop.payments.selection import get_provider
from tests.mail_delivery import deliver_and_read_outbox
from tests.order_factory import ADDRESS
from tests.payments.fake_stripe import FakeStripeHTTP


def add(client: FlaskClient, sku: str, quantity: int = 1) -> None:
    response = client.post("/cart/add.json", json={"sku": sku, "quantity": quantity})
    assert response.status_code == 200, response.get_json()


class _Inputs(HTMLParser):
    """Collects the <input> fields of a page by name, in page order: all of them, and the hidden ones."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self.hidden: dict[str, list[str]] = {}
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag != "input" or name is None:
            return
        value = attributes.get("value") or ""
        self.values.setdefault(name, []).append(value)
        if attributes.get("type") == "hidden":
            self.hidden.setdefault(name, []).append(value)


def input_values(page: str) -> dict[str, list[str]]:
    """Every named <input> of the page with its values, read with an HTML parser (any attribute order)."""
    return _Inputs(page).values


def hidden_fields(page: str) -> dict[str, str]:
    """The page's hidden fields by name (the first value of each), as its forms would post them."""
    return {name: values[0] for name, values in _Inputs(page).hidden.items()}


def hidden(page: str, name: str) -> str:
    """The value of the page's hidden field `name` (or, failing that, of any input of that name)."""
    inputs = _Inputs(page)
    values = inputs.hidden.get(name) or inputs.values.get(name)
    assert values, f"no hidden {name}"
    return values[0]


def checkout_form(client: FlaskClient, *, with_address: bool = True, **overrides: str) -> dict[str, str]:
    """The checkout page's form as a shopper would send it."""
    page = client.get("/checkout").get_data(as_text=True)
    data = {
        "email": "ana@example.com",
        "checkout_key": hidden(page, "checkout_key"),
        "cart_fingerprint": hidden(page, "cart_fingerprint"),
    }
    if with_address:
        data.update(ADDRESS)
    # A digital-only order's tax country and, as the US's states tax differently, its state: New York,
    # which does not tax digital goods in the default table (both ignored when the order ships).
    data["billing_country"] = "US"
    data["billing_state"] = "NY"
    data.update(overrides)
    return data


def place(client: FlaskClient, **overrides: str) -> Any:
    return client.post("/checkout", data=checkout_form(client, **overrides))


def session_id_from(location: str) -> str:
    match = re.search(r"/payments/dev/(cs_dev_[\w-]+)", location)
    assert match, location
    return match.group(1)


def dev_pay(client: FlaskClient, location: str, action: str = "pay") -> Any:
    return client.post(f"/payments/dev/{session_id_from(location)}", data={"action": action})


def outbox(app: Flask) -> list:
    return deliver_and_read_outbox(app)


# --- signed webhooks ------------------------------------------------------------------------------


def session_object(order: Order, **overrides: Any) -> dict[str, Any]:
    data = {
        "id": order.payment_session_id or "cs_test_123",
        "object": "checkout.session",
        "client_reference_id": str(order.id),
        "metadata": {"order_id": str(order.id), "order_number": order.number},
        "amount_total": order.total_cents,
        "currency": order.currency,
        "status": "complete",
        "payment_status": "paid",
        "payment_intent": "pi_test_123",
        "collected_information": {"shipping_details": None},
    }
    data.update(overrides)
    return data


def event(event_type: str, obj: dict[str, Any], *, event_id: str = "evt_test_1") -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }


def webhook_secret() -> str:
    return get_provider().webhook_secret


def post_webhook(
    client: FlaskClient,
    body: dict[str, Any] | str,
    *,
    secret: str | None = None,
    timestamp: int | None = None,
) -> Any:
    payload = body if isinstance(body, str) else json.dumps(body)
    header = stripe.WebhookSignature.generate_signature_header(
        payload, secret or webhook_secret(), timestamp=timestamp
    )
    return client.post(
        "/webhooks/stripe",
        data=payload,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )


def stripe_app_with(make_app: Any, http: FakeStripeHTTP) -> Flask:
    """An app whose payments go to Stripe through the fake HTTP client (no network)."""
    app = make_app(PAYMENT_PROVIDER="stripe", STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")
    provider = app.extensions["payment_provider"]
    provider.client = type(provider)(
        secret_key="sk_test_x", webhook_secret="whsec_x", http_client=http, max_network_retries=0
    ).client
    return app
