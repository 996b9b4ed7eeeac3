"""Who acts on an order: the actor names its timeline shows, and the audit entry a staff action adds."""

from typing import Any

from shop.audit import services as audit
from shop.audit.services import Actor
from shop.orders.models import Order

ACTOR_SHOPPER = "shopper"
ACTOR_PAYMENTS = "payments"
ACTOR_SYSTEM = "system"
STAFF_ACTOR_PREFIX = "staff:"


def staff_actor(actor: Actor) -> str:
    """How a staff member appears on an order's timeline."""
    return f"{STAFF_ACTOR_PREFIX}{actor.email}"[:120]


def record_staff_action(staff: Actor | None, action: str, order: Order, summary: str, **details: Any) -> None:
    """A staff action also goes to the audit log, in the same transaction as the change it records."""
    if staff is not None:
        audit.record(staff, action, target_type="order", target_id=order.number, summary=summary, **details)
