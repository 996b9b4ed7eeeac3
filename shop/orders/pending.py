"""Ending an unpaid order: payment failed, expired or cancelled, its reserved stock returned; the sweep."""

import logging
from datetime import datetime

import sqlalchemy as sa

from shop.audit.services import Actor
from shop.clock import utcnow
from shop.discounts.services import release_for_order
from shop.extensions import db
from shop.orders.actors import ACTOR_PAYMENTS, ACTOR_SHOPPER, ACTOR_SYSTEM, record_staff_action
from shop.orders.models import Order, OrderStatus
from shop.orders.payment_events import Outcome, apply_provider_event
from shop.orders.status_machine import add_event, transition
from shop.orders.stock import release_reservation

log = logging.getLogger(__name__)


def _end_pending(
    order_id: int,
    target: OrderStatus,
    *,
    actor: str,
    note: str,
    event_id: str | None,
    event_type: str,
    staff: Actor | None = None,
) -> Outcome:

    def end(order: Order) -> Outcome:
        if order.status != OrderStatus.PENDING_PAYMENT:
            # Out of order (paid first, expired later) or a repeat: nothing to undo.
            log.info("order %s is %s; %s ignored", order.number, order.status, target.value)
            return Outcome.ALREADY_DONE
        transition(order, target, actor=actor, note=note)
        release_reservation(order, actor=actor)
        if release_for_order(order.id):
            add_event(
                order,
                actor=actor,
                kind="discount",
                note=f"Discount code {order.discount_code}'s use given back.",
            )
        record_staff_action(staff, "order.cancel", order, f"Cancelled unpaid order {order.number}", note=note)
        return Outcome.APPLIED

    return apply_provider_event(order_id, event_id=event_id, event_type=event_type, apply=end)


def mark_failed(
    order_id: int,
    *,
    actor: str = ACTOR_PAYMENTS,
    note: str = "",
    event_id: str | None = None,
    event_type: str = "",
) -> Outcome:
    """The payment failed: pending → payment_failed, stock returned (once). Idempotent. Commits."""
    return _end_pending(
        order_id,
        OrderStatus.PAYMENT_FAILED,
        actor=actor,
        note=note or "The payment failed or was declined.",
        event_id=event_id,
        event_type=event_type,
    )


def mark_expired(
    order_id: int,
    *,
    actor: str = ACTOR_PAYMENTS,
    note: str = "",
    event_id: str | None = None,
    event_type: str = "",
) -> Outcome:
    """The payment window closed unpaid: pending → expired, stock returned (once). Idempotent. Commits."""
    return _end_pending(
        order_id,
        OrderStatus.EXPIRED,
        actor=actor,
        note=note or "The payment session expired unpaid.",
        event_id=event_id,
        event_type=event_type,
    )


def mark_cancelled(
    order_id: int, *, actor: str = ACTOR_SHOPPER, note: str = "", staff: Actor | None = None
) -> Outcome:
    """The shopper left checkout, the payment could not start, or staff cancelled the unpaid order:
    pending → cancelled, stock returned. `staff` also writes the audit log. Commits."""
    return _end_pending(
        order_id,
        OrderStatus.CANCELLED,
        actor=actor,
        note=note or "Checkout was abandoned.",
        event_id=None,
        event_type="",
        staff=staff,
    )


def release_expired_orders(*, now: datetime | None = None, limit: int = 200) -> int:
    """The sweep: expire pending orders whose reservation ran out, returning their stock. Orders flagged
    for staff are left alone (their money or stock is in question). Returns how many it expired."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            sa.select(Order.id)
            .where(
                Order.status == OrderStatus.PENDING_PAYMENT.value,
                Order.reservation_expires_at <= now,
                Order.needs_attention.is_(False),
            )
            .order_by(Order.reservation_expires_at, Order.id)
            .limit(limit)
        )
    )
    db.session.rollback()
    expired = 0
    for order_id in due:
        outcome = mark_expired(order_id, actor=ACTOR_SYSTEM, note="The reservation ran out before payment.")
        expired += outcome == Outcome.APPLIED
    return expired
