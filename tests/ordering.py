"""Helpers for checkout, order and payment tests: a small shop, the checkout form, signed webhooks."""

import json
import re
import time
from typing import Any

import sqlalchemy as sa
import stripe
from flask import Flask
from flask.testing import FlaskClient

from shop.catalog.demo_pdf import render_text_pdf
from shop.catalog.models import Product
from shop.checkout import services as checkout_services
from shop.extensions import db
from shop.orders.addresses import ShippingAddress
from shop.orders.models import Order
from shop.payments.selection import get_provider
from shop.storage import guide_storage
from tests.factories import make_guide, make_product
from tests.mail_delivery import deliver_and_read_outbox

ADDRESS = {
    "full_name": "Ana Lima",
    "line1": "12 Spore Street",
    "line2": "Apt 3",
    "city": "Portland",
    "region": "OR",
    "postal_code": "97201",
    "country": "US",
}
SHIPPING_ADDRESS = ShippingAddress(
    name="Ana Lima",
    line1="12 Spore Street",
    line2="Apt 3",
    city="Portland",
    region="OR",
    postal_code="97201",
    country="US",
)
KNOBS = checkout_services.PricingKnobs(
    currency="usd", flat_rate_cents=795, free_over_cents=15_000, max_line_quantity=10, reservation_minutes=30
)


def make_shop() -> dict[str, Product]:
    """Hoodies ($68, 10 each), a tee ($32), a mug ($18, 3 left) and a paid guide ($19) with its PDF."""
    guide = make_guide(name="90-Day Workbook", slug="workbook", sku="GUIDE-WB", price_cents=1_900)
    guide.guide_file = "workbook.pdf"
    db.session.commit()
    guide_storage().save("workbook.pdf", render_text_pdf("Workbook", ["Page one."]))
    return {
        "hoodie": make_product(
            name="Spore Print Hoodie",
            slug="hoodie",
            sku="HOODIE",
            sizes=("M", "L"),
            price_cents=6_800,
            stock=10,
        ),
        "tee": make_product(
            name="Mycelium Tee", slug="tee", sku="TEE", sizes=("M",), price_cents=3_200, stock=20
        ),
        "mug": make_product(name="Enamel Mug", slug="mug", sku="MUG", price_cents=1_800, stock=3),
        "guide": guide,
    }


def add(client: FlaskClient, sku: str, quantity: int = 1) -> None:
    response = client.post("/cart/add.json", json={"sku": sku, "quantity": quantity})
    assert response.status_code == 200, response.get_json()


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page) or re.search(
        rf'type="hidden" name="{name}" value="([^"]*)"', page
    )
    if match is None:
        match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    assert match, f"no hidden {name}"
    return match.group(1)


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


def only_order() -> Order:
    db.session.expire_all()
    orders = db.session.scalars(sa.select(Order)).all()
    assert len(orders) == 1, orders
    return orders[0]


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


def new_line(sku: str, quantity: int) -> Any:
    from shop.catalog.models import ProductVariant
    from shop.orders.placing import NewOrderLine

    variant = db.session.scalar(sa.select(ProductVariant).where(ProductVariant.sku == sku))
    assert variant is not None, sku
    return NewOrderLine(
        variant_id=variant.id,
        product_id=variant.product_id,
        sku=sku,
        name=variant.display_name,
        unit_price_cents=variant.price_cents,
        quantity=quantity,
        is_digital=variant.product.is_digital,
    )


def make_pending_order(
    *items: tuple[str, int], email: str = "ana@example.com", session_id: str | None = "cs_test_123"
) -> Order:
    """A pending order with its stock reserved, as checkout makes it (committed)."""
    from shop.orders.placing import create_order

    lines = [new_line(sku, quantity) for sku, quantity in items]
    order = create_order(
        email=email,
        lines=lines,
        address=SHIPPING_ADDRESS if any(not line.is_digital for line in lines) else None,
        currency="usd",
        flat_rate_cents=795,
        free_over_cents=15_000,
        reservation_minutes=30,
        cart_token=None,
        checkout_key=None,
    )
    order.payment_session_id = session_id
    order.payment_provider = "stripe"
    db.session.commit()
    return order


def reload(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)
