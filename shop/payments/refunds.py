"""Refunds through the payment provider: staff refunds, cancelling a paid order, and the automatic refund
of a payment that arrived after its stock was sold."""

import logging
from collections.abc import Mapping

from shop.audit.services import Actor
from shop.database import committing
from shop.money import format_cents
from shop.orders.actors import ACTOR_SYSTEM, record_staff_action
from shop.orders.errors import RefundError, UnknownOrderError
from shop.orders.lookups import lock_order
from shop.orders.models import Order
from shop.orders.payment_events import flag
from shop.orders.refunds import (
    apply_line_refund,
    apply_refund,
    cancel_refunded,
    check_cancellable_paid,
    plan_line_refund,
    refund_amount,
)
from shop.payments.errors import PaymentError
from shop.payments.provider import RefundResult
from shop.payments.selection import get_provider

log = logging.getLogger(__name__)


def _refund_at_provider(order: Order, amount_cents: int) -> RefundResult:
    """Give `amount_cents` back through the provider. The key names the refunded total before it, so a
    retried request refunds once, and a second refund of the same amount later is a new one."""
    return get_provider().refund(
        payment_intent_id=order.payment_intent_id,
        amount_cents=amount_cents,
        idempotency_key=f"refund-{order.id}-{order.refunded_cents}-{amount_cents}",
        metadata={"order_id": str(order.id), "order_number": order.number},
    )


def refund_order(
    order_id: int,
    amount_cents: int | None = None,
    *,
    actor: str,
    note: str = "",
    revoke_downloads: bool = True,
    staff: Actor | None = None,
    expected_refunded_cents: int | None = None,
) -> RefundResult:
    """Refund a paid order through the provider, in full (amount None) or in part, and record it.

    A refund revokes the order's download links unless staff choose otherwise for a partial goodwill
    refund (docs/rules.md#refunds rule 3). The provider call happens under the order's row lock, so two
    refunds cannot both spend the same remaining amount. Raises RefundError or PaymentError (then nothing
    changed). `staff` also writes the audit log. `expected_refunded_cents`: see
    shop.orders.refunds.refund_amount.
    Commits.
    """
    with committing():
        order = lock_order(order_id)
        if order is None:
            raise UnknownOrderError("That order does not exist.")
        amount = refund_amount(order, amount_cents, expected_refunded_cents=expected_refunded_cents)
        result = _refund_at_provider(order, amount)
        apply_refund(
            order,
            order.refunded_cents + amount,
            actor=actor,
            note=f"{note} (refund {result.refund_id})".strip(),
            revoke=revoke_downloads,
        )
        record_staff_action(
            staff,
            "order.refund",
            order,
            f"Refunded {format_cents(amount, order.currency)} on {order.number}",
            amount_cents=amount,
            refund_id=result.refund_id,
        )
    return result


def refund_order_lines(
    order_id: int,
    quantities: Mapping[int, int],
    *,
    shipping: bool = False,
    actor: str,
    note: str = "",
    keep_downloads: bool = False,
    staff: Actor | None = None,
    expected_refunded_cents: int | None = None,
) -> RefundResult:
    """Refund units of chosen lines (order line id → units) and, with `shipping`, the shipping, through
    the provider, and record it line by line (shop.orders.refunds.plan_line_refund says what may be
    refunded). Like refund_order: under the order's row lock, download links revoked unless
    `keep_downloads` on a partial refund, audit log with `staff`. Raises RefundError or PaymentError (then
    nothing changed). Commits."""
    with committing():
        order = lock_order(order_id)
        if order is None:
            raise UnknownOrderError("That order does not exist.")
        plan = plan_line_refund(
            order, quantities, shipping=shipping, expected_refunded_cents=expected_refunded_cents
        )
        amount = plan.amount_cents
        full = order.refunded_cents + amount >= order.total_cents
        result = _refund_at_provider(order, amount)
        apply_line_refund(
            order,
            plan,
            actor=actor,
            note=f"{note} (refund {result.refund_id})".strip(),
            revoke=full or not keep_downloads,
        )
        record_staff_action(
            staff,
            "order.refund_lines",
            order,
            f"Refunded {format_cents(amount, order.currency)} on {order.number} for {plan.describe()}",
            amount_cents=amount,
            tax_cents=plan.tax_cents,
            lines={str(item.line.id): item.quantity for item in plan.items if item.line is not None},
            shipping=any(item.line is None for item in plan.items),
            refund_id=result.refund_id,
        )
    return result


def cancel_paid_order(
    order_id: int, *, actor: str, note: str = "", staff: Actor | None = None
) -> RefundResult:
    """Cancel a paid, not yet shipped order: refund it in full, put its stock back, revoke its links.
    `staff` also writes the audit log. Commits."""
    with committing():
        order = lock_order(order_id)
        if order is None:
            raise UnknownOrderError("That order does not exist.")
        check_cancellable_paid(order)
        result = get_provider().refund(
            payment_intent_id=order.payment_intent_id,
            amount_cents=order.total_cents,
            idempotency_key=f"cancel-{order.id}",
            metadata={"order_id": str(order.id), "order_number": order.number},
        )
        cancel_refunded(order, actor=actor, note=note)
        record_staff_action(
            staff,
            "order.cancel",
            order,
            f"Cancelled {order.number} and refunded {format_cents(order.total_cents, order.currency)}",
            refund_id=result.refund_id,
        )
    return result


def refund_late_payment(order_id: int) -> None:
    """Refund in full a payment that came after its stock was sold; if the provider refuses, flag the
    order for staff to refund by hand. Commits."""
    try:
        refund_order(
            order_id,
            actor=ACTOR_SYSTEM,
            note="Automatic refund: the payment arrived after the stock was released and sold.",
        )
    except (PaymentError, RefundError) as error:
        with committing():
            order = lock_order(order_id)
            if order is not None:
                flag(order, actor=ACTOR_SYSTEM, reason=f"Automatic refund failed, refund by hand: {error}")
        log.error("automatic refund of late payment for order %s failed: %s", order_id, error)
