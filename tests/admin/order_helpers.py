"""Helpers for the staff order tests: the staff actor, audit rows, timelines, queued emails, flags."""

from collections.abc import Callable

import sqlalchemy as sa

from shop.audit.models import AuditEvent
from shop.audit.services import Actor
from shop.emails.models import OutgoingEmail
from shop.extensions import db
from shop.orders.lookups import lock_order
from shop.orders.models import Order, OrderEvent
from shop.orders.payment_events import flag
from shop.payments import staff_refunds
from tests.order_factory import reload

STAFF = Actor(user_id=None, email="bo@example.com")


def audit_rows() -> list[tuple[str, str, str]]:
    """(action, actor email, target id) of every audit event, oldest first."""
    db.session.expire_all()
    return [
        (row.action, row.actor_email, row.target_id)
        for row in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))
    ]


def timeline(order: Order) -> list[tuple[str, str, str]]:
    """(kind, actor, note) of the order's events, oldest first."""
    db.session.expire_all()
    return [
        (event.kind, event.actor, event.note)
        for event in db.session.scalars(
            sa.select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
        )
    ]


def queued_emails(to: str, template: str) -> list[OutgoingEmail]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(OutgoingEmail)
            .where(OutgoingEmail.to_address == to, OutgoingEmail.template == template)
            .order_by(OutgoingEmail.id)
        )
    )


def flag_order(order: Order, reason: str) -> Order:
    locked = lock_order(order.id)
    assert locked is not None
    flag(locked, actor="payments", reason=reason)
    db.session.commit()
    return reload(order)


def order_with_nothing_to_refund(
    case: str, pending_order: Callable[..., Order], paid_order: Callable[..., Order]
) -> Order:
    """An order of one tee that has nothing left to refund: "unpaid", "cancelled" or "refunded" in full."""
    order = pending_order(("TEE-M", 1)) if case == "unpaid" else paid_order(("TEE-M", 1))
    if case == "cancelled":
        staff_refunds.cancel_order(STAFF, order.id)
    elif case == "refunded":
        staff_refunds.refund(STAFF, order.id, amount_cents=order.total_cents)
    return order
