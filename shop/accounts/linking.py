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
from shop.clock import utcnow
from shop.email_addresses import normalize_email
from shop.extensions import db
from shop.guides.models import Lead
from shop.orders.models import Order, OrderEvent

ACTOR_SYSTEM = "system"


def link_note(user_id: int) -> str:
    """The internal timeline entry on an order that joined an account."""
    return f"Linked to customer account #{user_id}, which confirmed this email address."


@dataclass(frozen=True)
class LinkResult:
    orders: int
    lead: bool


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
    now = utcnow()
    lead = db.session.execute(
        sa.update(Lead)
        .where(Lead.email == email, Lead.user_id.is_(None))
        .values(user_id=user_id, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return LinkResult(orders=len(order_ids), lead=bool(lead))
