"""Placing an order: a pending order with its stock reserved, and the payment session it waits on."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from shop import pricing
from shop.clock import utcnow
from shop.database import committing
from shop.email_addresses import normalize_email
from shop.extensions import db
from shop.money import format_cents
from shop.orders.actors import ACTOR_SHOPPER
from shop.orders.addresses import ShippingAddress, set_address
from shop.orders.errors import OrderError, UnknownOrderError
from shop.orders.lookups import lock_order
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.orders.status_machine import add_event
from shop.orders.stock import reserve_stock

# No 0/O, 1/I/L or U: easy to read aloud and to type from a phone screen. 30^6 ≈ 729 million numbers.
ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
ORDER_NUMBER_LENGTH = 6
ORDER_NUMBER_PREFIX = "GS-"


@dataclass(frozen=True)
class NewOrderLine:
    variant_id: int
    product_id: int
    sku: str
    name: str
    unit_price_cents: int
    quantity: int
    is_digital: bool
    # This line's share of the order's discount (shop.pricing.apply_discount decided it).
    discount_cents: int = 0


def new_order_number() -> str:
    """A random number not yet used (the unique constraint is the final word)."""
    for _ in range(10):
        code = "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(ORDER_NUMBER_LENGTH))
        number = ORDER_NUMBER_PREFIX + code
        if db.session.scalar(sa.select(Order.id).where(Order.number == number)) is None:
            return number
    raise RuntimeError("could not find a free order number")  # 10 collisions in 729M: never


def create_order(
    *,
    email: str,
    lines: list[NewOrderLine],
    address: ShippingAddress | None,
    currency: str,
    flat_rate_cents: int,
    free_over_cents: int | None,
    reservation_minutes: int,
    cart_token: str | None,
    checkout_key: str | None,
    user_id: int | None = None,
    discount_code: str | None = None,
    tax_rate: pricing.TaxRate | None = None,
    billing_country: str | None = None,
    billing_state: str | None = None,
) -> Order:
    """A pending order with its stock reserved, in the caller's transaction (the caller commits, or rolls
    back on StockShortError so nothing stays reserved). Totals come from pricing.order_totals only.

    `user_id` is the logged-in customer placing it (None for a guest). `flat_rate_cents` and
    `free_over_cents` are the destination zone's terms; the lines carry their discount (from
    `discount_code`); `tax_rate` is the destination's, or None when the payment provider reckons tax."""
    if not lines:
        raise OrderError("An order needs at least one item.")
    totals = pricing.order_totals(
        [
            pricing.PricedLine(
                unit_price_cents=line.unit_price_cents,
                quantity=line.quantity,
                is_physical=not line.is_digital,
                discount_cents=line.discount_cents,
            )
            for line in lines
        ],
        flat_rate_cents=flat_rate_cents,
        free_over_cents=free_over_cents,
        tax_rate=tax_rate,
    )
    if totals.requires_shipping and address is None:
        raise OrderError("A shipping address is needed for physical items.")
    reserve_stock(lines)
    now = utcnow()
    order = Order(
        number=new_order_number(),
        checkout_key=checkout_key,
        email=normalize_email(email),
        user_id=user_id,
        status=OrderStatus.PENDING_PAYMENT.value,
        currency=currency,
        subtotal_cents=totals.subtotal_cents,
        merchandise_subtotal_cents=totals.merchandise_subtotal_cents,
        shipping_cents=totals.shipping_cents,
        discount_cents=totals.discount_cents,
        discount_code=discount_code,
        tax_cents=totals.tax_cents,
        billing_country=billing_country,
        billing_state=billing_state,
        total_cents=totals.total_cents,
        refunded_cents=0,
        requires_shipping=totals.requires_shipping,
        reservation_expires_at=now + timedelta(minutes=reservation_minutes),
        cart_token=cart_token,
        created_at=now,
    )
    if totals.requires_shipping and address is not None:
        set_address(order, address)
    for line, line_tax_cents in zip(lines, totals.line_tax_cents, strict=True):
        order.lines.append(
            OrderLine(
                variant_id=line.variant_id,
                product_id=line.product_id,
                sku=line.sku,
                name=line.name,
                unit_price_cents=line.unit_price_cents,
                quantity=line.quantity,
                is_digital=line.is_digital,
                discount_cents=line.discount_cents,
                tax_cents=line_tax_cents,
                tax_rate_bp=tax_rate.rate_bp if tax_rate is not None and line_tax_cents else None,
            )
        )
    add_event(
        order,
        actor=ACTOR_SHOPPER,
        kind="created",
        note=f"Order placed for {format_cents(order.total_cents, currency)}; stock reserved until "
        f"{order.reservation_expires_at:%Y-%m-%d %H:%M} UTC.",
    )
    db.session.add(order)
    db.session.flush()
    return order


def attach_payment_session(
    order_id: int, *, provider: str, session_id: str, url: str, expires_at: datetime
) -> None:
    """Remember the provider's session for an order (and the expiry both now share). Commits."""
    with committing():
        order = lock_order(order_id)
        if order is None:
            raise UnknownOrderError("That order no longer exists.")
        order.payment_provider = provider
        order.payment_session_id = session_id
        order.payment_url = url
        order.reservation_expires_at = expires_at
