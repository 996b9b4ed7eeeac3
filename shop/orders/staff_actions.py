"""Staff use cases on orders: find and list them; what each order allows; ship, resend the confirmation,
add notes and clear flags.

Each action re-checks what the order allows with its row locked, writes the order's timeline with the
staff member's email and the audit log, and commits once. Cancelling and refunding move money through
the payment provider, so they are in shop/payments/staff_refunds.py, built on the checks here.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from shop.audit import services as audit
from shop.audit.services import Actor
from shop.clock import utcnow
from shop.database import committing
from shop.extensions import db
from shop.money import format_cents
from shop.orders import shipping
from shop.orders.actors import record_staff_action, staff_actor
from shop.orders.errors import OrderError, UnknownOrderError
from shop.orders.fulfilment import queue_confirmation_email, queue_order_email
from shop.orders.lookups import lock_order
from shop.orders.models import FULLY_PAID_STATUSES, Order, OrderLine, OrderStatus
from shop.orders.order_downloads import issue_order_links
from shop.orders.status_machine import PAID_STATES, STATUS_LABELS, add_event, transition
from shop.pagination import page_with_count

S = OrderStatus
NOTE_MAX = 2_000
REASON_MAX = 200
RESOLUTION_MAX = 500
SEARCH_MAX = 100

# Pseudo-statuses for the orders list: what staff look for besides a plain status.
TO_SHIP = "to_ship"
NEEDS_ATTENTION = "needs_attention"

FILTER_LABELS: dict[str, str] = {TO_SHIP: "To ship", NEEDS_ATTENTION: "Needs attention", **STATUS_LABELS}

# States in which a physical order can still go out: paid, or paid and partly refunded (a goodwill refund
# before shipping does not cancel the shipment; the order keeps its refund status once shipped).
SHIPPABLE_STATES = frozenset({S.PAID, S.PARTIALLY_REFUNDED})
# Resent emails carry download links, which only a fully paid order may have.
RESENDABLE_STATES = FULLY_PAID_STATUSES

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class OrderActionError(OrderError):
    """Staff asked for something the order does not allow now (409) or the input breaks a rule (400).
    The message is safe to show, and nothing was changed."""

    def __init__(self, message: str, status_code: int = 409) -> None:
        super().__init__(message)
        self.status_code = status_code


def plain_text(text: str | None) -> str:
    """Free text as stored: control characters (NUL breaks PostgreSQL text) dropped, newlines kept."""
    if not text:
        return ""
    return _CONTROL_CHARACTERS.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


# --- finding orders -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilter:
    """What the orders list and its CSV show. Dates are UTC days, both ends included."""

    status: str | None = None  # an OrderStatus value, TO_SHIP or NEEDS_ATTENTION; None for every order
    search: str = ""  # part of an order number or email, any case
    created_from: date | None = None
    created_to: date | None = None


def awaiting_shipment() -> sa.ColumnElement[bool]:
    """Paid orders with something to ship that have not been shipped."""
    return sa.and_(
        Order.status.in_([state.value for state in SHIPPABLE_STATES]),
        Order.requires_shipping.is_(True),
        Order.shipped_at.is_(None),
    )


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def select_orders(order_filter: OrderFilter) -> sa.Select[tuple[Order]]:
    """The orders a filter names, newest first (the list pages through it; the CSV reads all of it)."""
    query = sa.select(Order)
    if order_filter.status == TO_SHIP:
        query = query.where(awaiting_shipment())
    elif order_filter.status == NEEDS_ATTENTION:
        query = query.where(Order.needs_attention.is_(True))
    elif order_filter.status:
        query = query.where(Order.status == order_filter.status)
    search = order_filter.search.strip()[:SEARCH_MAX]
    if search:
        pattern = f"%{_escape_like(search)}%"
        query = query.where(
            sa.or_(Order.number.ilike(pattern, escape="\\"), Order.email.ilike(pattern, escape="\\"))
        )
    if order_filter.created_from is not None:
        query = query.where(Order.created_at >= start_of_day(order_filter.created_from))
    if order_filter.created_to is not None:
        query = query.where(Order.created_at < start_of_day(order_filter.created_to) + timedelta(days=1))
    return query.order_by(Order.created_at.desc(), Order.id.desc())


@dataclass(frozen=True, slots=True)
class OrderListRow:
    """One line of the staff orders list: what the list shows of an order, and nothing more."""

    number: str
    created_at: datetime
    email: str
    item_count: int  # units over all its lines
    status: str
    needs_attention: bool
    to_ship: bool  # awaiting_shipment(): paid, something to ship, not shipped
    total_cents: int
    refunded_cents: int


def list_orders_for_staff(
    order_filter: OrderFilter, *, page: int, page_size: int = 25
) -> tuple[list[OrderListRow], int]:
    """One page of the filtered orders, newest first, and how many match (capped, see count_at_most).

    One statement reads only the columns the list shows, the item counts and the count: loading whole
    orders and their lines as ORM objects, in three statements, cost more than the queries themselves."""
    query = select_orders(order_filter)
    units = (
        sa.select(sa.func.coalesce(sa.func.sum(OrderLine.quantity), 0))
        .where(OrderLine.order_id == Order.id)
        .scalar_subquery()
    )
    columns = query.with_only_columns(
        Order.number,
        Order.created_at,
        Order.email,
        units.label("item_count"),
        Order.status,
        Order.needs_attention,
        awaiting_shipment().label("to_ship"),
        Order.total_cents,
        Order.refunded_cents,
    )
    rows, total = page_with_count(columns, query.with_only_columns(Order.id), page=page, page_size=page_size)
    return [
        OrderListRow(
            number=row.number,
            created_at=row.created_at,
            email=row.email,
            item_count=int(row.item_count),
            status=row.status,
            needs_attention=bool(row.needs_attention),
            to_ship=bool(row.to_ship),
            total_cents=row.total_cents,
            refunded_cents=row.refunded_cents,
        )
        for row in rows
    ], total


# --- what staff may do with an order ---------------------------------------------------------------


@dataclass(frozen=True)
class OrderActions:
    """Which actions an order allows now: the page offers these, and each action re-checks its own."""

    ship: bool
    cancel: bool
    cancel_refunds_cents: int  # cancelling a paid order refunds this much (0 for an unpaid one)
    refund: bool
    refundable_cents: int
    resend: bool
    clear_flag: bool


def _can_ship(order: Order) -> bool:
    return (
        order.status in SHIPPABLE_STATES
        and order.requires_shipping
        and order.shipped_at is None
        and not order.needs_attention
    )


def _can_cancel_paid(order: Order) -> bool:
    return order.status == S.PAID and order.refunded_cents == 0 and order.shipped_at is None


def refundable_cents(order: Order) -> int:
    if order.status not in PAID_STATES or not order.payment_intent_id:
        return 0
    return max(order.total_cents - order.refunded_cents, 0)


def available_actions(order: Order) -> OrderActions:
    refundable = refundable_cents(order)
    return OrderActions(
        ship=_can_ship(order),
        cancel=order.status == S.PENDING_PAYMENT or _can_cancel_paid(order),
        cancel_refunds_cents=order.total_cents if _can_cancel_paid(order) else 0,
        refund=refundable > 0,
        refundable_cents=refundable,
        resend=order.status in RESENDABLE_STATES,
        clear_flag=order.needs_attention,
    )


def _status_text(order: Order) -> str:
    return STATUS_LABELS.get(order.status, order.status).lower()


# Each check raises OrderActionError saying why the order does not allow the action now. The views run
# them before showing a confirmation page; the actions run them again with the order's row locked.


def check_ship(order: Order) -> None:
    if _can_ship(order):
        return
    if order.shipped_at is not None:
        raise OrderActionError(f"Order {order.number} was already marked shipped.")
    if not order.requires_shipping:
        raise OrderActionError(f"Order {order.number} has nothing to ship: it is digital only.")
    if order.status not in SHIPPABLE_STATES:
        raise OrderActionError(f"Order {order.number} is {_status_text(order)}: it can't be shipped.")
    raise OrderActionError(f"Order {order.number} needs attention: resolve its flag before shipping it.")


def check_cancel(order: Order) -> None:
    if order.status == S.PENDING_PAYMENT or _can_cancel_paid(order):
        return
    if order.shipped_at is not None or order.status == S.FULFILLED:
        done = "has been delivered" if order.is_digital_only else "has shipped"
        raise OrderActionError(f"Order {order.number} {done}, so it can't be cancelled. Refund it instead.")
    if order.status == S.PARTIALLY_REFUNDED:
        raise OrderActionError(
            f"Order {order.number} was partly refunded, so it can't be cancelled. Refund the rest instead."
        )
    raise OrderActionError(f"Order {order.number} is {_status_text(order)}: it can't be cancelled.")


def check_anything_to_refund(order: Order) -> None:
    if refundable_cents(order) <= 0:
        raise OrderActionError(f"Order {order.number} is {_status_text(order)}: there is nothing to refund.")


def check_refund(order: Order, amount_cents: int) -> None:
    check_anything_to_refund(order)
    refundable = refundable_cents(order)
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool) or amount_cents <= 0:
        raise OrderActionError("A refund must be more than $0.00.", 400)
    if amount_cents > refundable:
        raise OrderActionError(
            f"At most {format_cents(refundable, order.currency)} is left to refund on this order.", 400
        )


def check_resend(order: Order) -> None:
    if order.status not in RESENDABLE_STATES:
        raise OrderActionError(
            f"Order {order.number} is {_status_text(order)}: only paid orders get their confirmation again."
        )


def locked(order_id: int) -> Order:
    """The order with its row locked, for a use case inside `with committing():` (a refusal raised in
    the block rolls back and releases the lock)."""
    order = lock_order(order_id)
    if order is None:
        raise UnknownOrderError("That order does not exist.")
    return order


def staff_view(order_id: int) -> Order:
    """The order as staff asked about it (unlocked), for a check before a provider call."""
    order = db.session.get(Order, order_id)
    if order is None:
        raise UnknownOrderError("That order does not exist.")
    return order


# --- shipping -------------------------------------------------------------------------------------


def carrier_choices() -> list[shipping.Carrier]:
    return shipping.check_carrier_codes(current_app.config["SHIPPING_CARRIERS"])


def mark_shipped(actor: Actor, order_id: int, *, carrier: str, tracking_number: str) -> Order:
    """Record the shipment of a paid physical order and email the customer its tracking link.

    A paid order becomes fulfilled; a partly refunded one keeps its status and records the shipment.
    The email is queued in the same transaction. Commits.
    """
    try:
        number = shipping.normalize_tracking_number(tracking_number)
    except ValueError as error:
        raise OrderActionError(str(error), 400) from error
    if carrier not in {choice.code for choice in carrier_choices()}:
        raise OrderActionError("Choose one of the carriers in the list.", 400)
    with committing():
        order = locked(order_id)
        check_ship(order)
        now = utcnow()
        order.shipping_carrier = carrier
        order.tracking_number = number
        order.shipped_at = now
        shipment = shipping.shipment_of(order)
        assert shipment is not None
        note = (
            f"Shipped with {shipment.carrier_name}, tracking number {number}. "
            f"Shipping email sent to {order.email}."
        )
        if order.status == S.PAID:
            transition(order, S.FULFILLED, actor=staff_actor(actor), note=note)
            order.fulfilled_at = now
        else:
            add_event(order, actor=staff_actor(actor), kind="shipped", note=note)
        queue_order_email(
            order,
            subject=f"Your order {order.number} has shipped",
            template="order_shipped",
            shipment=shipment,
            lines=[line for line in order.lines if not line.is_digital],
        )
        record_staff_action(
            actor,
            "order.ship",
            order,
            f"Marked {order.number} shipped: {shipment.carrier_name} {number}",
            carrier=carrier,
            tracking_number=number,
        )
    return order


# --- emails, notes, flags -------------------------------------------------------------------------


def resend_confirmation(actor: Actor, order_id: int) -> int:
    """Email the order confirmation again, with fresh download links for its guides (new grants; the
    old links keep working until they expire). Returns how many links it holds. Commits."""
    with committing():
        order = locked(order_id)
        check_resend(order)
        links = issue_order_links(order)
        queue_confirmation_email(order, links)
        detail = f" with {len(links)} fresh download link(s)" if links else ""
        add_event(
            order,
            actor=staff_actor(actor),
            kind="email",
            note=f"Confirmation email sent again to {order.email}{detail}.",
        )
        record_staff_action(
            actor,
            "order.resend",
            order,
            f"Re-sent the confirmation of {order.number}{detail}",
        )
    return len(links)


def add_note(actor: Actor, order_id: int, text: str) -> None:
    """An internal note on the order's timeline (never shown to the customer). Commits."""
    text = plain_text(text)
    if not text:
        raise OrderActionError("Write the note first.", 400)
    if len(text) > NOTE_MAX:
        raise OrderActionError(f"Keep the note under {NOTE_MAX:,} characters.", 400)
    with committing():
        order = locked(order_id)
        add_event(order, actor=staff_actor(actor), kind="note", note=text)
        record_staff_action(
            actor,
            "order.note",
            order,
            f"Note on {order.number}: {text[:120]}",
        )


def clear_flag(actor: Actor, order_id: int, *, resolution: str) -> None:
    """Mark an order's problem as handled, saying how. The reason stays on the timeline. Commits.

    A cleared unpaid order is an ordinary pending order again: the sweep expires it when its
    reservation has run out.
    """
    resolution = plain_text(resolution)
    if not resolution:
        raise OrderActionError("Say how the problem was resolved.", 400)
    if len(resolution) > RESOLUTION_MAX:
        raise OrderActionError(f"Keep it under {RESOLUTION_MAX} characters.", 400)
    with committing():
        order = locked(order_id)
        if not order.needs_attention:
            raise OrderActionError(f"Order {order.number} has no flag to clear.")
        was = order.attention_reason or "no reason recorded"
        order.needs_attention = False
        order.attention_reason = None
        add_event(
            order,
            actor=staff_actor(actor),
            kind="flag_cleared",
            note=f"Flag cleared: {resolution} (The flag said: {was})",
        )
        record_staff_action(
            actor,
            "order.clear_flag",
            order,
            f"Cleared the flag on {order.number}: {resolution[:120]}",
        )


def describe_filter(order_filter: OrderFilter) -> str:
    """The filter in words, for the audit log of an export."""
    parts = [FILTER_LABELS.get(order_filter.status or "", "all statuses")]
    if order_filter.search:
        parts.append(f"matching “{order_filter.search[:SEARCH_MAX]}”")
    if order_filter.created_from:
        parts.append(f"from {order_filter.created_from.isoformat()}")
    if order_filter.created_to:
        parts.append(f"to {order_filter.created_to.isoformat()}")
    return ", ".join(parts)


def record_export(actor: Actor, order_filter: OrderFilter) -> None:
    """Order exports carry customers' names and addresses: who took one, and of what, is logged. Commits."""
    with committing():
        audit.record(
            actor,
            "order.export",
            target_type="orders",
            target_id="csv",
            summary=f"Exported orders as CSV ({describe_filter(order_filter)})",
        )
