"""A payment reported by the provider, recorded on its order; a payment that came after its stock was
sold is refunded at once through the provider."""

from shop.orders.actors import ACTOR_PAYMENTS
from shop.orders.payment_events import Outcome, PaymentConfirmation, record_payment
from shop.payments.refunds import refund_late_payment


def mark_paid(
    order_id: int,
    payment: PaymentConfirmation,
    *,
    actor: str = ACTOR_PAYMENTS,
    event_id: str | None = None,
    event_type: str = "",
) -> Outcome:
    """Record a payment and fulfil the order, once, however often and in whatever order it is reported.

    A payment whose amount or currency differs from the order is not fulfilled: the order is flagged.
    A payment for an order whose reservation was released takes the stock again if it can; if not, the
    order is flagged and refunded automatically. Commits.
    """
    outcome, refund_now = record_payment(
        order_id, payment, actor=actor, event_id=event_id, event_type=event_type
    )
    if refund_now:
        refund_late_payment(order_id)
    return outcome
