"""The order status machine (docs/rules.md#order-states): which changes are legal, and the entry each writes.

    pending_payment → paid → fulfilled
    pending_payment → expired | cancelled | payment_failed
    paid → cancelled (with a refund)
    paid | fulfilled → refunded | partially_refunded

Two additions the rules imply: a partially refunded order can be refunded further (→ partially_refunded or
refunded), and a payment that arrives after the reservation was released (expired, cancelled,
payment_failed) is still money received, so those states may go to paid (the service re-reserves stock or
refunds at once).
"""

from shop.orders.errors import IllegalTransitionError
from shop.orders.models import Order, OrderEvent, OrderStatus

S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.EXPIRED, S.CANCELLED, S.PAYMENT_FAILED}),
    S.PAID: frozenset({S.FULFILLED, S.CANCELLED, S.REFUNDED, S.PARTIALLY_REFUNDED}),
    S.FULFILLED: frozenset({S.REFUNDED, S.PARTIALLY_REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.EXPIRED: frozenset({S.PAID}),
    S.CANCELLED: frozenset({S.PAID}),
    S.PAYMENT_FAILED: frozenset({S.PAID}),
    S.REFUNDED: frozenset(),
}

# States in which the order's money is with the shop (fully or partly).
PAID_STATES = frozenset({S.PAID, S.FULFILLED, S.PARTIALLY_REFUNDED})
# Orders whose money counts as revenue (net of refunds) in the reports.
REVENUE_STATES = (S.PAID.value, S.FULFILLED.value, S.PARTIALLY_REFUNDED.value, S.REFUNDED.value)
# States in which the stock reservation has been handed back.
RELEASED_STATES = frozenset({S.EXPIRED, S.CANCELLED, S.PAYMENT_FAILED})


def can_transition(current: str, target: str) -> bool:
    return OrderStatus(target) in TRANSITIONS.get(OrderStatus(current), frozenset())


def transition(order: Order, target: OrderStatus, *, actor: str, note: str = "") -> OrderEvent:
    """Move the order to `target` and append the timeline entry; raises IllegalTransitionError.

    Runs in the caller's transaction (no commit).
    """
    current = OrderStatus(order.status)
    if not can_transition(current, target):
        raise IllegalTransitionError(
            f"Order {order.number} cannot go from {current.value} to {target.value}."
        )
    order.status = target.value
    event = OrderEvent(
        actor=actor, kind="status", from_status=current.value, to_status=target.value, note=note
    )
    order.events.append(event)
    return event


def add_event(order: Order, *, actor: str, kind: str, note: str) -> OrderEvent:
    """A timeline entry that is not a status change (a flag, an address update, a refund)."""
    event = OrderEvent(actor=actor, kind=kind, note=note)
    order.events.append(event)
    return event


# The status names staff read (the admin lists, the dashboard, the order page).
STATUS_LABELS: dict[str, str] = {
    S.PENDING_PAYMENT: "Awaiting payment",
    S.PAID: "Paid",
    S.FULFILLED: "Fulfilled",
    S.PARTIALLY_REFUNDED: "Partly refunded",
    S.REFUNDED: "Refunded",
    S.CANCELLED: "Cancelled",
    S.EXPIRED: "Expired",
    S.PAYMENT_FAILED: "Payment failed",
}

# What a customer reads on their order's timeline. Staff notes, flags and payment references stay internal.
CUSTOMER_STATUS_TEXT = {
    "pending_payment": "Waiting for payment",
    "paid": "Payment received",
    "fulfilled": "Order complete",
    "expired": "The payment time ran out; nothing was charged",
    "cancelled": "Order cancelled",
    "payment_failed": "The payment didn't go through; nothing was charged",
    "refunded": "Refunded",
    "partially_refunded": "Partly refunded",
}
