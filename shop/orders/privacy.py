"""A customer's orders, for their own data requests (docs/rules.md#your-data): which orders are theirs,
what the export shows of them, and anonymising them when the account is deleted. Nothing here commits."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.extensions import db
from shop.orders.actors import ACTOR_SYSTEM
from shop.orders.models import Order, OrderEvent, OrderStatus

# Cleared on deletion. The country and region stay: tax records need the place of supply, and neither
# names a person.
PERSONAL_ADDRESS_FIELDS = ("ship_name", "ship_line1", "ship_line2", "ship_city", "ship_postal_code")
ANONYMISED_NOTE = "The customer deleted their account: name, address and email removed."


def _account_orders(user_id: int, email: str, *, email_confirmed: bool) -> sa.ColumnElement[bool]:
    """The account's orders, as the order pages decide ownership (access.is_owner): tied to the account,
    or a guest order to its address once that address is confirmed."""
    condition = Order.user_id == user_id
    if email_confirmed:
        condition = sa.or_(condition, sa.and_(Order.user_id.is_(None), Order.email == email))
    return condition


def account_orders(user_id: int, email: str, *, email_confirmed: bool) -> list[Order]:
    """Every order of the account with its lines, oldest first: two queries, however many orders."""
    return list(
        db.session.scalars(
            sa.select(Order)
            .where(_account_orders(user_id, email, email_confirmed=email_confirmed))
            .options(selectinload(Order.lines))
            .order_by(Order.created_at, Order.id)
        )
    )


# Paid, and the goods still to send: the address is needed to deliver them.
_PAID_NOT_SENT = frozenset({OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED})


def orders_in_progress(orders: list[Order]) -> list[Order]:
    """Orders an account deletion must wait for: awaiting payment (a payment may still arrive), or paid
    with physical items not shipped yet (anonymising would throw away the address to ship them to)."""
    return [
        order
        for order in orders
        if order.status == OrderStatus.PENDING_PAYMENT
        or (order.status in _PAID_NOT_SENT and order.requires_shipping and order.shipped_at is None)
    ]


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def shipping_address(order: Order) -> dict[str, str | None] | None:
    if not order.requires_shipping or not order.ship_line1:
        return None
    return {
        "name": order.ship_name,
        "line1": order.ship_line1,
        "line2": order.ship_line2,
        "city": order.ship_city,
        "region": order.ship_region,
        "postal_code": order.ship_postal_code,
        "country": order.ship_country,
    }


def order_export(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "number": order.number,
        "status": order.status,
        "email": order.email,
        "currency": order.currency,
        "placed_at": _iso(order.created_at),
        "paid_at": _iso(order.paid_at),
        "shipped_at": _iso(order.shipped_at),
        "shipping_address": shipping_address(order),
        "shipping_carrier": order.shipping_carrier,
        "tracking_number": order.tracking_number,
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price_cents": line.unit_price_cents,
                "discount_cents": line.discount_cents,
                "line_total_cents": line.line_total_cents,
                "digital": line.is_digital,
            }
            for line in order.lines
        ],
        "subtotal_cents": order.subtotal_cents,
        "discount_code": order.discount_code,
        "discount_cents": order.discount_cents,
        "shipping_cents": order.shipping_cents,
        "tax_cents": order.tax_cents,
        "total_cents": order.total_cents,
        "refunded_cents": order.refunded_cents,
    }


def anonymise_orders(orders: list[Order], *, placeholder: str) -> None:
    """Keep each order (lines, totals, payment reference: the law's record of a sale) and remove the
    person from it: the placeholder address, no account link, no name or street address, the old
    address taken out of its timeline notes, and a timeline entry saying so."""
    old_emails: dict[str, list[int]] = {}
    for order in orders:
        old_emails.setdefault(order.email, []).append(order.id)
        order.email = placeholder
        order.user_id = None
        order.cart_token = None
        for field in PERSONAL_ADDRESS_FIELDS:
            setattr(order, field, None)
        db.session.add(
            OrderEvent(order_id=order.id, actor=ACTOR_SYSTEM, kind="account", note=ANONYMISED_NOTE)
        )
    # One statement per address the orders used (usually one), not one per order.
    for old_email, order_ids in old_emails.items():
        db.session.execute(
            sa.update(OrderEvent)
            .where(OrderEvent.order_id.in_(order_ids))
            .values(note=sa.func.replace(OrderEvent.note, old_email, placeholder))
            .execution_options(synchronize_session=False)
        )
