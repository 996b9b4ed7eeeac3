"""Tying guest orders and guide leads to the customer account that proved their email address.

The rule (docs/rules.md#accounts-and-staff rule 6): past guest orders and the lead with the same
normalised email attach to an account only once the account's email is confirmed — by the confirmation
link, a change-of-address link or a password reset, each of which proves the person reads that inbox.
Only unowned rows move: an order or lead already tied to an account stays with it. Everything here runs
in the caller's transaction.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from shop.accounts.models import User
from shop.accounts.signals import account_email_confirmed
from shop.email_addresses import normalize_email
from shop.extensions import db
from shop.orders.models import Order, OrderEvent
from shop.orders.signals import order_paid
from shop.orders.status_machine import add_event

ACTOR_SYSTEM = "system"


def link_note(user_id: int) -> str:
    """The internal timeline entry on an order that joined an account."""
    return f"Linked to customer account #{user_id}, which confirmed this email address."


@dataclass(frozen=True)
class LinkResult:
    orders: int
    lead: bool  # a guide lead joined too (shop/guides answers the announcement)


def confirmed_account_id(email: str) -> int | None:
    """The id of the account whose confirmed address this is, or None (no account, or not confirmed)."""
    return db.session.scalar(
        sa.select(User.id).where(User.email == normalize_email(email), User.email_confirmed_at.is_not(None))
    )


def attach_to_account(user_id: int, email: str) -> LinkResult:
    """Give the account every guest order (no account yet) and the unowned lead with this address.

    Call it only for an address the account has just proven. Each attached order gets an internal
    timeline entry (staff see why it moved; the customer's timeline shows status changes only).
    Rows already loaded in the session are not refreshed: callers commit right after.
    """
    email = normalize_email(email)
    # One conditional UPDATE: two confirmations racing attach each order once, and only the winner
    # writes its timeline entry.
    order_ids = list(
        db.session.scalars(
            sa.update(Order)
            .where(Order.email == email, Order.user_id.is_(None))
            .values(user_id=user_id)
            .returning(Order.id)
            .execution_options(synchronize_session=False)
        )
    )
    for order_id in sorted(order_ids):
        db.session.add(
            OrderEvent(
                order_id=order_id,
                actor=ACTOR_SYSTEM,
                kind="account",
                note=link_note(user_id),
            )
        )
    # The guide lead with this address joins too: shop/guides listens, and answers whether one did.
    answers = account_email_confirmed.send(user_id, email=email)
    return LinkResult(orders=len(order_ids), lead=any(linked for _, linked in answers))


def link_paid_order(order: Order, **_: object) -> None:
    """A guest paying with an account's confirmed address: the order joins that account's history.
    Receives `order_paid`, in the payment's transaction."""
    if order.user_id is not None:
        return
    order.user_id = confirmed_account_id(order.email)
    if order.user_id is not None:
        add_event(order, actor=ACTOR_SYSTEM, kind="account", note=link_note(order.user_id))


def register_order_listeners() -> None:
    order_paid.connect(link_paid_order)
