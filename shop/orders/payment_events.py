"""What the payment provider reports, applied to an order once.

Provider events (Stripe event ids) are recorded in `payment_event_record` in the same transaction as their
effects; the unique event id makes a replay, even a concurrent one, a no-op.
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shop.clock import utcnow
from shop.database import committing
from shop.discounts.services import retake_for_order
from shop.extensions import db
from shop.money import format_cents
from shop.orders.actors import ACTOR_PAYMENTS
from shop.orders.addresses import ShippingAddress, order_address, set_address
from shop.orders.fulfilment import fulfil
from shop.orders.invoices import issue_invoice
from shop.orders.lookups import lock_order
from shop.orders.models import Order, OrderStatus, PaymentEventRecord
from shop.orders.provider_tax import record_provider_tax
from shop.orders.status_machine import PAID_STATES, add_event, transition
from shop.orders.stock import renew_reservation


class Outcome(enum.StrEnum):
    APPLIED = "applied"
    ALREADY_DONE = "already_done"  # the order was already in that state: nothing changed
    DUPLICATE = "duplicate"  # this provider event was applied before
    FLAGGED = "flagged"  # not applied: a person must look (mismatch, no stock for a late payment)
    UNKNOWN_ORDER = "unknown_order"


@dataclass(frozen=True)
class PaymentConfirmation:
    """What the provider says was paid for an order."""

    session_id: str | None
    payment_intent_id: str | None
    amount_cents: int | None
    currency: str | None
    shipping: ShippingAddress | None = None
    # The tax the provider computed (Stripe Tax), for an order whose tax the provider reckons.
    tax_cents: int | None = None


def claim_event(event_id: str | None, event_type: str, order: Order | None) -> bool:
    """Record a provider event as applied (same transaction as its effects); False if it already was."""
    if not event_id:
        return True
    seen = db.session.scalar(sa.select(PaymentEventRecord.id).where(PaymentEventRecord.event_id == event_id))
    if seen is not None:
        return False
    db.session.add(
        PaymentEventRecord(
            event_id=event_id, event_type=event_type[:80], order_id=order.id if order else None
        )
    )
    return True


def event_already_applied(event_id: str) -> bool:
    """A cheap, lock-free check for a replayed provider event (Stripe retries); the unique event id
    inside the applying transaction remains the real guard against concurrent duplicates."""
    seen = _event_seen(event_id)
    db.session.rollback()
    return seen


def _event_seen(event_id: str) -> bool:
    return (
        db.session.scalar(sa.select(PaymentEventRecord.id).where(PaymentEventRecord.event_id == event_id))
        is not None
    )


def apply_provider_event(
    order_id: int | None, *, event_id: str | None, event_type: str, apply: Callable[[Order], Outcome]
) -> Outcome:
    """Lock the order, record the provider event as applied and run `apply` on the order, in one
    transaction that commits. UNKNOWN_ORDER when there is no such order; DUPLICATE when this event was
    applied before, or a concurrent delivery of it won the race on the unique event id."""
    try:
        with committing():
            order = lock_order(order_id) if order_id is not None else None
            if order is None:
                return Outcome.UNKNOWN_ORDER
            if not claim_event(event_id, event_type, order):
                return Outcome.DUPLICATE
            return apply(order)
    except IntegrityError:
        if event_id and _event_seen(event_id):
            return Outcome.DUPLICATE
        raise


def flag(order: Order, *, actor: str, reason: str) -> None:
    """Ask staff to look at an order, in the caller's transaction."""
    order.needs_attention = True
    order.attention_reason = reason[:500]
    add_event(order, actor=actor, kind="flagged", note=reason)


def record_payment(
    order_id: int,
    payment: PaymentConfirmation,
    *,
    actor: str = ACTOR_PAYMENTS,
    event_id: str | None = None,
    event_type: str = "",
) -> tuple[Outcome, bool]:
    """Record a payment and fulfil the order, once, however often and in whatever order it is reported.

    A payment whose amount or currency differs from the order is not fulfilled: the order is flagged.
    A payment for an order whose reservation was released takes the stock again if it can; if not, the
    order is flagged and the second value is True: the money must go back (shop/payments/settlement.py
    refunds it). Commits.
    """
    refund_now = False

    def apply(order: Order) -> Outcome:
        nonlocal refund_now
        outcome, refund_now = _apply_payment(order, payment, actor=actor)
        return outcome

    outcome = apply_provider_event(order_id, event_id=event_id, event_type=event_type, apply=apply)
    return outcome, refund_now and outcome == Outcome.FLAGGED


def _apply_payment(order: Order, payment: PaymentConfirmation, *, actor: str) -> tuple[Outcome, bool]:
    if order.paid_at is not None or order.status in PAID_STATES or order.status == OrderStatus.REFUNDED:
        # Paid before (and maybe refunded or cancelled since): a repeat, never a second sale.
        return Outcome.ALREADY_DONE, False
    # Stripe Tax's figure becomes the order's tax before the amount is checked against the total.
    record_provider_tax(order, payment.tax_cents, actor=actor)
    if payment.amount_cents != order.total_cents or (payment.currency or "").lower() != order.currency:
        paid = (
            format_cents(payment.amount_cents, payment.currency or order.currency)
            if isinstance(payment.amount_cents, int)
            else "an unknown amount"
        )
        if order.needs_attention and order.attention_reason and paid in order.attention_reason:
            return Outcome.ALREADY_DONE, False
        order.payment_intent_id = payment.payment_intent_id or order.payment_intent_id
        flag(
            order,
            actor=actor,
            reason=f"Payment of {paid} ({(payment.currency or '?').upper()}) does not match the order "
            f"total of {format_cents(order.total_cents, order.currency)} ({order.currency.upper()}): "
            f"not fulfilled. Payment {payment.payment_intent_id or 'reference unknown'}.",
        )
        return Outcome.FLAGGED, False
    if order.payment_session_id and payment.session_id and payment.session_id != order.payment_session_id:
        flag(
            order,
            actor=actor,
            reason=f"Payment came through session {payment.session_id}, not the order's own "
            f"{order.payment_session_id}: not fulfilled.",
        )
        return Outcome.FLAGGED, False

    late = order.reservation_released_at is not None
    if late and not renew_reservation(order, actor=actor):
        transition(order, OrderStatus.PAID, actor=actor, note=_paid_note(payment, late=True))
        order.paid_at = utcnow()
        order.payment_intent_id = payment.payment_intent_id
        issue_invoice(order, at=order.paid_at)
        flag(
            order,
            actor=actor,
            reason="Paid after its reservation was released, and the stock is gone: refunding in full "
            "automatically. Nothing was oversold.",
        )
        return Outcome.FLAGGED, True

    transition(order, OrderStatus.PAID, actor=actor, note=_paid_note(payment, late=late))
    order.paid_at = utcnow()
    order.payment_intent_id = payment.payment_intent_id
    # Numbered in this transaction: a payment that rolls back leaves no gap (docs/rules.md#invoices).
    issue_invoice(order, at=order.paid_at)
    if late and not retake_for_order(order.id):
        flag(
            order,
            actor=actor,
            reason=f"Paid after its reservation was released, and discount code {order.discount_code} has "
            "no use left for it. The customer paid the discounted price: decide whether to honour it.",
        )
    if payment.shipping is not None and order.requires_shipping and payment.shipping != order_address(order):
        set_address(order, payment.shipping)
        add_event(
            order, actor=actor, kind="address", note="Shipping address as confirmed on the payment page."
        )
    fulfil(order, actor=actor)
    return Outcome.APPLIED, False


def _paid_note(payment: PaymentConfirmation, *, late: bool) -> str:
    amount = format_cents(payment.amount_cents or 0, payment.currency or "usd")
    reference = payment.payment_intent_id or payment.session_id or "no reference"
    return f"{'Late payment' if late else 'Payment'} of {amount} received ({reference})."
