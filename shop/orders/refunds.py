"""Refunds recorded on an order: the amount, the status, revoked download links. The provider call that
moves the money is in shop/payments/refunds.py."""

import sqlalchemy as sa

from shop import pricing
from shop.downloads.models import DownloadGrant
from shop.downloads.services import revoke_grants
from shop.extensions import db
from shop.money import format_cents
from shop.orders.actors import ACTOR_PAYMENTS
from shop.orders.errors import RefundError
from shop.orders.invoices import issue_credit_note
from shop.orders.models import Order, OrderStatus
from shop.orders.payment_events import Outcome, apply_provider_event, flag
from shop.orders.status_machine import PAID_STATES, add_event, transition
from shop.orders.stock import release_reservation


def order_grants(order: Order) -> list[DownloadGrant]:
    return list(db.session.scalars(sa.select(DownloadGrant).where(DownloadGrant.order_id == order.id)))


def apply_refund(order: Order, refunded_total_cents: int, *, actor: str, note: str, revoke: bool) -> bool:
    """Bring the order's refunded amount up to `refunded_total_cents` (never down). In the caller's
    transaction. Returns whether anything changed."""
    refunded_total_cents = min(refunded_total_cents, order.total_cents)
    if refunded_total_cents <= order.refunded_cents:
        return False
    refunded_now = refunded_total_cents - order.refunded_cents
    tax_now = refund_tax_part(order, refunded_total_cents)
    order.refunded_cents = refunded_total_cents
    order.refunded_tax_cents += tax_now
    full = order.refunded_cents >= order.total_cents
    target = OrderStatus.REFUNDED if full else OrderStatus.PARTIALLY_REFUNDED
    detail = f"Refunded {format_cents(refunded_now, order.currency)}"
    if order.tax_cents:
        detail += f", of which {format_cents(tax_now, order.currency)} tax"
    if not full:
        detail += f" ({format_cents(order.refunded_cents, order.currency)} in all)"
    credit_note = issue_credit_note(order, refunded_now, tax_cents=tax_now, reason=note)
    transition(
        order, target, actor=actor, note=f"{detail}. {note}".strip() + f" Credit note {credit_note.number}."
    )
    if revoke:
        revoked = revoke_grants(order_grants(order))
        if revoked:
            add_event(order, actor=actor, kind="downloads", note=f"{revoked} download link(s) revoked.")
    return True


def refund_tax_part(order: Order, refunded_total_cents: int) -> int:
    """How much of a refund that brings the order's refunds up to `refunded_total_cents` is tax: its
    share of the order's tax, in proportion (docs/rules.md#tax rule 7)."""
    return pricing.refund_tax_cents(
        refunded_before_cents=order.refunded_cents,
        refunded_after_cents=refunded_total_cents,
        total_cents=order.total_cents,
        tax_cents=order.tax_cents,
    )


def refund_amount(order: Order, amount_cents: int | None, *, expected_refunded_cents: int | None) -> int:
    """What a refund of `amount_cents` (None: all that is left) may take from this order, or RefundError
    saying why it can't. `expected_refunded_cents` (what staff saw when they confirmed) refuses the
    refund if another one landed since, so a double-submitted form cannot refund twice."""
    if order.status not in PAID_STATES:
        raise RefundError(f"Order {order.number} is {order.status.replace('_', ' ')}: nothing to refund.")
    if not order.payment_intent_id:
        raise RefundError(f"Order {order.number} has no payment reference to refund against.")
    if expected_refunded_cents is not None and order.refunded_cents != expected_refunded_cents:
        raise RefundError(
            f"Order {order.number}'s refunds changed after this one was reviewed (now "
            f"{format_cents(order.refunded_cents, order.currency)} refunded in all), so nothing more was "
            "refunded. Check the timeline before trying again."
        )
    remaining = order.total_cents - order.refunded_cents
    amount = remaining if amount_cents is None else amount_cents
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0 or amount > remaining:
        raise RefundError(
            f"A refund must be between {format_cents(1, order.currency)} and "
            f"{format_cents(remaining, order.currency)}."
        )
    return amount


def check_cancellable_paid(order: Order) -> None:
    """A paid order can be cancelled (refunded in full) only before any refund, with a payment
    reference to refund against; RefundError otherwise."""
    if order.status != OrderStatus.PAID or order.refunded_cents:
        raise RefundError(
            f"Order {order.number} is {order.status.replace('_', ' ')} and cannot be cancelled."
        )
    if not order.payment_intent_id:
        raise RefundError(f"Order {order.number} has no payment reference to refund against.")


def cancel_refunded(order: Order, *, actor: str, note: str) -> None:
    """Record a paid order cancelled and refunded in full: stock back, download links revoked. In the
    caller's transaction."""
    refunded_now = order.total_cents - order.refunded_cents
    tax_part = refund_tax_part(order, order.total_cents)
    order.refunded_cents = order.total_cents
    order.refunded_tax_cents += tax_part
    detail = f", {format_cents(tax_part, order.currency)} of it tax" if order.tax_cents else ""
    summary = f"Cancelled and refunded in full{detail}. {note}".strip()
    if refunded_now > 0:
        credit_note = issue_credit_note(
            order, refunded_now, tax_cents=tax_part, reason=f"Order cancelled. {note}".strip()
        )
        summary += f" Credit note {credit_note.number}."
    transition(order, OrderStatus.CANCELLED, actor=actor, note=summary)
    release_reservation(order, actor=actor)
    revoke_grants(order_grants(order))


def record_provider_refund(
    payment_intent_id: str,
    refunded_total_cents: int,
    *,
    actor: str = ACTOR_PAYMENTS,
    event_id: str | None = None,
    event_type: str = "",
) -> Outcome:
    """A refund made at the provider (dashboard, or ours echoed back by charge.refunded). Idempotent:
    only an amount above what is already recorded changes anything. Commits."""
    order_id = db.session.scalar(
        sa.select(Order.id).where(Order.payment_intent_id == payment_intent_id).order_by(Order.id).limit(1)
    )

    def record(order: Order) -> Outcome:
        if order.status in PAID_STATES:
            changed = apply_refund(
                order, refunded_total_cents, actor=actor, note="Recorded from the provider.", revoke=True
            )
            return Outcome.APPLIED if changed else Outcome.ALREADY_DONE
        if order.refunded_cents >= min(refunded_total_cents, order.total_cents):
            return Outcome.ALREADY_DONE
        flag(
            order,
            actor=actor,
            reason=f"The provider reports {format_cents(refunded_total_cents, order.currency)} refunded "
            f"on an order that is {order.status.replace('_', ' ')}.",
        )
        return Outcome.FLAGGED

    return apply_provider_event(order_id, event_id=event_id, event_type=event_type, apply=record)
