"""Finding orders: by number, payment session or checkout key, and locking one for an update.

Every use case that changes an order locks its row first (SELECT … FOR UPDATE on PostgreSQL; SQLite
serialises writers anyway), so a webhook, the success page, the sweep and reconciliation racing on one
order apply in turn and each sees what the last one did.
"""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.extensions import db
from shop.orders.models import Order


def get_order_by_number(number: str) -> Order | None:
    if not isinstance(number, str) or len(number) > 16:
        return None
    return db.session.scalar(
        sa.select(Order)
        .where(Order.number == number.strip().upper())
        .options(selectinload(Order.lines), selectinload(Order.events))
    )


def get_order_by_session(session_id: str) -> Order | None:
    if not session_id or len(session_id) > 255:
        return None
    return db.session.scalar(
        sa.select(Order).where(Order.payment_session_id == session_id).options(selectinload(Order.lines))
    )


def get_order_by_checkout_key(checkout_key: str) -> Order | None:
    return db.session.scalar(sa.select(Order).where(Order.checkout_key == checkout_key))


def lock_order(order_id: int) -> Order | None:
    return db.session.scalar(
        sa.select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
