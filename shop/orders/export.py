"""The staff orders list as CSV: exactly the orders a filter shows, every page of them, newest first.

Amounts are dollars and cents written from integer cents ("187.00", no currency sign; the currency has its
own column). Times are UTC ISO 8601. Every cell is neutralised against spreadsheet formula injection with
the same rule as the leads export.
"""

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import selectinload

from shop.csv_export import csv_line, csv_row, timestamp
from shop.extensions import db
from shop.money import decimal_amount
from shop.orders.models import Order
from shop.orders.shipping import carrier_name
from shop.orders.staff_actions import OrderFilter, select_orders

COLUMNS = (
    "number",
    "created_at",
    "status",
    "email",
    "items",
    "subtotal",
    "discount",
    "discount_code",
    "shipping",
    "tax",
    "total",
    "refunded",
    "currency",
    "paid_at",
    "shipped_at",
    "carrier",
    "tracking_number",
    "ship_name",
    "ship_line1",
    "ship_line2",
    "ship_city",
    "ship_region",
    "ship_postal_code",
    "ship_country",
    "payment_provider",
    "payment_reference",
    "needs_attention",
    "attention_reason",
)
BATCH_SIZE = 500


def order_row(order: Order) -> list[str]:
    items = "; ".join(f"{line.quantity} × {line.name} ({line.sku})" for line in order.lines)
    values = [
        order.number,
        timestamp(order.created_at),
        order.status,
        order.email,
        items,
        decimal_amount(order.subtotal_cents),
        decimal_amount(order.discount_cents),
        order.discount_code or "",
        decimal_amount(order.shipping_cents),
        decimal_amount(order.tax_cents),
        decimal_amount(order.total_cents),
        decimal_amount(order.refunded_cents),
        order.currency.upper(),
        timestamp(order.paid_at),
        timestamp(order.shipped_at),
        carrier_name(order.shipping_carrier) if order.shipping_carrier else "",
        order.tracking_number or "",
        order.ship_name or "",
        order.ship_line1 or "",
        order.ship_line2 or "",
        order.ship_city or "",
        order.ship_region or "",
        order.ship_postal_code or "",
        order.ship_country or "",
        order.payment_provider or "",
        order.payment_intent_id or "",
        "yes" if order.needs_attention else "no",
        order.attention_reason or "",
    ]
    return csv_row(values)


def _batch(order_filter: OrderFilter, after: tuple[datetime, int] | None) -> list[Order]:
    """The next orders in the list's order (newest first), after the last one already written."""
    query = select_orders(order_filter).options(selectinload(Order.lines)).limit(BATCH_SIZE)
    if after is not None:
        created_at, order_id = after
        # A row comparison: one range of the created_at index from the cursor on, not a re-read of every
        # earlier order for each batch (as the same condition spelt with OR was on PostgreSQL).
        query = query.where(sa.tuple_(Order.created_at, Order.id) < sa.tuple_(created_at, order_id))
    return list(db.session.scalars(query))


def stream_csv(app: Flask, order_filter: OrderFilter) -> Iterator[str]:
    """The header, then the orders in chunks of BATCH_SIZE lines, for a streamed response.

    Each chunk is read in an app context (and database session) of its own that closes before the chunk
    is handed on, so nothing stays open between chunks, or when the client goes away mid-download.
    """
    yield csv_line(COLUMNS)
    after: tuple[datetime, int] | None = None
    while True:
        with app.app_context():
            orders = _batch(order_filter, after)
            chunk = "".join(csv_line(order_row(order)) for order in orders)
            if orders:
                after = (orders[-1].created_at, orders[-1].id)
        if not orders:
            return
        yield chunk
