"""Helpers for the staff order tests: paid orders with their own sessions, staff actors, audit rows."""

import itertools
from datetime import datetime

import sqlalchemy as sa

from shop.audit.models import AuditEvent
from shop.audit.services import Actor
from shop.emails.models import OutgoingEmail
from shop.extensions import db
from shop.orders.lookups import lock_order
from shop.orders.models import Order, OrderEvent
from shop.orders.payment_events import Outcome, PaymentConfirmation, flag
from shop.payments.settlement import mark_paid
from tests.ordering import make_pending_order, reload

STAFF = Actor(user_id=None, email="bo@example.com")
_sessions = itertools.count(1)


def pending(*items: tuple[str, int], email: str = "ana@example.com") -> Order:
    """A pending order with its own session at the development payment provider (the tests' provider)."""
    order = make_pending_order(*items, email=email, session_id=f"cs_dev_test{next(_sessions)}")
    order.payment_provider = "dev"
    db.session.commit()
    return order


def paid(*items: tuple[str, int], email: str = "ana@example.com", paid_at: datetime | None = None) -> Order:
    """A paid order, through the same mark_paid path as the webhook; `paid_at` backdates it."""
    order = pending(*items, email=email)
    confirmation = PaymentConfirmation(
        session_id=order.payment_session_id,
        payment_intent_id=f"pi_{order.payment_session_id.removeprefix('cs_')}",
        amount_cents=order.total_cents,
        currency="usd",
    )
    assert mark_paid(order.id, confirmation) == Outcome.APPLIED
    if paid_at is not None:
        order = reload(order)
        order.paid_at = paid_at
        db.session.commit()
    return reload(order)


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
