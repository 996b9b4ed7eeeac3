"""What guides do because of events elsewhere: a paying lead becomes a customer, and an account that
proves a lead's address owns that lead. Connected by `register_listeners`, called from create_app."""

import sqlalchemy as sa

from shop.accounts.signals import account_email_confirmed
from shop.clock import utcnow
from shop.extensions import db
from shop.guides.models import Lead
from shop.guides.services import mark_lead_as_customer
from shop.orders.actors import ACTOR_SYSTEM
from shop.orders.models import Order
from shop.orders.signals import order_paid
from shop.orders.status_machine import add_event


def credit_lead_with_order(order: Order, **_: object) -> None:
    """A guide lead who buys becomes a customer, so revenue is credited to their source and campaign.
    Receives `order_paid`, in the payment's transaction."""
    if mark_lead_as_customer(order.email, order_reference=order.number, at=order.paid_at):
        add_event(order, kind="note", actor=ACTOR_SYSTEM, note="Buyer came through the free guide.")


def link_lead_to_account(user_id: int, *, email: str, **_: object) -> bool:
    """The unowned lead with an address the account has just proven joins that account. Receives
    `account_email_confirmed`, in the confirming transaction; answers whether a lead joined."""
    result = db.session.execute(
        sa.update(Lead)
        .where(Lead.email == email, Lead.user_id.is_(None))
        .values(user_id=user_id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount > 0


def register_listeners() -> None:
    order_paid.connect(credit_lead_with_order)
    account_email_confirmed.connect(link_lead_to_account)
