"""Staff cancelling and refunding an order: the payment page closed or the money returned through the
provider, with the same checks as every other staff action (shop/orders/staff_actions.py)."""

from collections.abc import Mapping

from shop.audit.services import Actor
from shop.database import committing
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.orders.payment_events import Outcome
from shop.orders.pending import mark_cancelled
from shop.orders.staff_actions import (
    REASON_MAX,
    OrderActionError,
    check_anything_to_refund,
    check_cancel,
    check_refund,
    plain_text,
    refundable_cents,
    staff_actor,
    staff_view,
)
from shop.payments.errors import PaymentError
from shop.payments.provider import RefundResult
from shop.payments.refunds import cancel_paid_order, refund_order, refund_order_lines
from shop.payments.selection import get_provider

S = OrderStatus


def _close_payment_session(session_id: str) -> None:
    """Make sure an unpaid order's payment page can no longer take money before cancelling it."""
    provider = get_provider()
    try:
        if provider.expire_session(session_id):
            return
        snapshot = provider.retrieve_session(session_id)
    except PaymentError as error:
        raise OrderActionError(
            "We couldn't reach the payment provider to close this order's payment page. "
            "Nothing was changed; try again in a moment.",
            502,
        ) from error
    if snapshot.status == "expired" and not snapshot.is_paid:
        return
    raise OrderActionError(
        "This order's payment page can no longer be closed: the customer may have just paid. "
        "Nothing was changed; reload the order in a minute."
    )


def cancel_order(actor: Actor, order_id: int, *, reason: str = "") -> Order:
    """Cancel an order that has not shipped. Unpaid: its payment page is closed and its stock returned.
    Paid: refunded in full through the provider, stock returned, download links revoked. Commits.

    An unpaid order flagged for staff (say, a payment of the wrong amount) is cancelled without touching
    its payment page: what was paid must then be refunded in the provider's dashboard.
    Raises OrderActionError, RefundError or PaymentError; nothing changed then.
    """
    reason = plain_text(reason)[:REASON_MAX]
    with committing():  # no transaction stays open across the provider call
        order = staff_view(order_id)
        check_cancel(order)
        unpaid = order.status == S.PENDING_PAYMENT
        session_id = None if order.needs_attention else order.payment_session_id
        number = order.number
    if unpaid:
        if session_id:
            _close_payment_session(session_id)
        note = f"Cancelled by staff. {reason}".strip()
        outcome = mark_cancelled(order_id, actor=staff_actor(actor), note=note, staff=actor)
        if outcome != Outcome.APPLIED:
            raise OrderActionError(f"Order {number} is no longer waiting for payment. Reload it to see why.")
    else:
        cancel_paid_order(order_id, actor=staff_actor(actor), note=reason, staff=actor)
    db.session.expire_all()
    cancelled = db.session.get(Order, order_id)
    assert cancelled is not None
    return cancelled


def refund(
    actor: Actor,
    order_id: int,
    *,
    amount_cents: int,
    reason: str = "",
    keep_downloads: bool = False,
    expected_refunded_cents: int | None = None,
) -> RefundResult:
    """Refund part or all of what is left on a paid order, through the payment provider.

    A full refund always revokes the order's download links; a partial one does too unless
    `keep_downloads` (a goodwill refund on merchandise). Raises OrderActionError (400 for an amount
    outside 0 < amount ≤ what is left, 409 for an order with nothing to refund), RefundError when another
    refund got there first (or, with `expected_refunded_cents`, any refund landed after staff reviewed
    this one), PaymentError when the provider refused: nothing changed in each case. Commits.
    """
    with committing():  # refund_order locks the row and checks the amount again
        order = staff_view(order_id)
        check_refund(order, amount_cents)
        full = amount_cents == refundable_cents(order)
    return refund_order(
        order_id,
        amount_cents,
        actor=staff_actor(actor),
        note=plain_text(reason)[:REASON_MAX],
        revoke_downloads=full or not keep_downloads,
        staff=actor,
        expected_refunded_cents=expected_refunded_cents,
    )


def refund_lines(
    actor: Actor,
    order_id: int,
    *,
    quantities: Mapping[int, int],
    shipping: bool = False,
    reason: str = "",
    keep_downloads: bool = False,
    expected_refunded_cents: int | None = None,
) -> RefundResult:
    """Refund units of chosen lines (order line id → units) and, with `shipping`, the shipping, through
    the payment provider: each line gives back what was paid for those units, its tax included
    (docs/rules.md#refunds). Download links as in `refund`. Raises OrderActionError (409: nothing to
    refund), RefundError (400 for quantities the rules refuse; 409 when another refund landed after staff
    reviewed this one), PaymentError: nothing changed in each case. Commits."""
    with committing():  # refund_order_lines locks the row and checks everything again
        check_anything_to_refund(staff_view(order_id))
    return refund_order_lines(
        order_id,
        quantities,
        shipping=shipping,
        actor=staff_actor(actor),
        note=plain_text(reason)[:REASON_MAX],
        keep_downloads=keep_downloads,
        staff=actor,
        expected_refunded_cents=expected_refunded_cents,
    )
