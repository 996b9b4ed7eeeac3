"""The one order factory: a small shop, pending orders as checkout makes them, and paying them the way the
webhook does (through mark_paid)."""

import itertools
from datetime import datetime

import sqlalchemy as sa

from shop.catalog.demo_pdf import render_text_pdf
from shop.catalog.models import Product, ProductVariant
from shop.extensions import db
from shop.orders.addresses import ShippingAddress
from shop.orders.models import Order
from shop.orders.payment_events import Outcome, PaymentConfirmation
from shop.orders.placing import NewOrderLine, create_order
from shop.payments.settlement import mark_paid
from shop.pricing import TaxRate
from shop.storage import guide_storage
from tests.factories import make_guide, make_product
from tests.pricing_knobs import ORDER_KNOBS

# The shopper's address as the checkout form sends it, and as the order services take it.
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
    name=ADDRESS["full_name"], **{key: value for key, value in ADDRESS.items() if key != "full_name"}
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


def new_line(sku: str, quantity: int) -> NewOrderLine:
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


_sessions = itertools.count(1)


def next_session_id(provider: str = "stripe") -> str:
    """A payment session id of its own, shaped like the provider's (`cs_test_…`, or `cs_dev_test…` at the
    development provider, which refunds through it)."""
    return f"cs_dev_test{next(_sessions)}" if provider == "dev" else f"cs_test_{next(_sessions)}"


def make_pending_order(
    *items: tuple[str, int],
    email: str = "ana@example.com",
    session_id: str | None = "cs_test_123",
    provider: str = "stripe",
    user_id: int | None = None,
    tax_rate: TaxRate | None = None,
) -> Order:
    """A pending order with its stock reserved, as checkout makes it (committed); `tax_rate` is the
    destination's (the test address, Oregon, has none)."""
    lines = [new_line(sku, quantity) for sku, quantity in items]
    order = create_order(
        email=email,
        lines=lines,
        address=SHIPPING_ADDRESS if any(not line.is_digital for line in lines) else None,
        cart_token=None,
        checkout_key=None,
        tax_rate=tax_rate,
        **ORDER_KNOBS,
    )
    order.payment_session_id = session_id
    order.payment_provider = provider
    if user_id is not None:
        order.user_id = user_id
    db.session.commit()
    return order


def pay(order: Order, payment_intent_id: str | None = None, *, paid_at: datetime | None = None) -> Order:
    """Pay the order through the webhook's path (mark_paid); `paid_at` backdates the payment."""
    session_id = order.payment_session_id
    confirmation = PaymentConfirmation(
        session_id=session_id,
        payment_intent_id=payment_intent_id
        or (f"pi_{session_id.removeprefix('cs_')}" if session_id else f"pi_{order.id}"),
        amount_cents=order.total_cents,
        currency=order.currency,
    )
    assert mark_paid(order.id, confirmation) == Outcome.APPLIED
    if paid_at is not None:
        order = reload(order)
        order.paid_at = paid_at
        db.session.commit()
    return reload(order)


def make_paid_order(
    *items: tuple[str, int],
    email: str = "ana@example.com",
    provider: str = "stripe",
    user_id: int | None = None,
    paid_at: datetime | None = None,
    tax_rate: TaxRate | None = None,
) -> Order:
    """A paid order with a payment session of its own. Tests use the `paid_order` fixture; this is for a
    test that builds its orders in an app of its own (`make_app`, `csrf_app`)."""
    order = make_pending_order(
        *items,
        email=email,
        session_id=next_session_id(provider),
        provider=provider,
        user_id=user_id,
        tax_rate=tax_rate,
    )
    return pay(order, paid_at=paid_at)


def reload(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def only_order() -> Order:
    db.session.expire_all()
    orders = db.session.scalars(sa.select(Order)).all()
    assert len(orders) == 1, orders
    return orders[0]


def set_discounts_and_tax(
    order: Order,
    lines: list[tuple[int, int, int | None]],
    *,
    discount_code: str | None = None,
    extra_tax_cents: int = 0,
) -> Order:
    """Give an unpaid order's lines (in order) a discount and tax — (discount_cents, tax_cents,
    tax_rate_bp) each — as the discount and tax features will when they price it, with the order's
    totals brought in step (total = subtotal − discount + shipping + tax; `extra_tax_cents` is tax the
    order carries beyond its lines'). Committed; pay it afterwards."""
    order = reload(order)
    assert order.paid_at is None, "set the figures before paying: the payment checks the total"
    for line, (discount, tax, rate) in zip(order.lines, lines, strict=True):
        line.discount_cents, line.tax_cents, line.tax_rate_bp = discount, tax, rate
    order.discount_cents = sum(line.discount_cents for line in order.lines)
    order.discount_code = discount_code
    order.tax_cents = sum(line.tax_cents for line in order.lines) + extra_tax_cents
    order.total_cents = order.subtotal_cents - order.discount_cents + order.shipping_cents + order.tax_cents
    db.session.commit()
    return reload(order)
