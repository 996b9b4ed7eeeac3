"""A customer's order history: the orders tied to their account, newest first."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.extensions import db
from shop.orders.models import Order
from shop.pagination import page_count

PAGE_SIZE = 10


@dataclass(frozen=True)
class OrderHistoryPage:
    orders: list[Order]
    total: int
    page: int
    pages: int


def list_customer_orders(user_id: int, *, page: int, page_size: int = PAGE_SIZE) -> OrderHistoryPage:
    """One page of the account's orders with their lines, newest first. A page past the end is empty."""
    total = db.session.scalar(sa.select(sa.func.count(Order.id)).where(Order.user_id == user_id)) or 0
    orders = db.session.scalars(
        sa.select(Order)
        .where(Order.user_id == user_id)
        .options(selectinload(Order.lines))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return OrderHistoryPage(orders=list(orders), total=total, page=page, pages=page_count(total, page_size))
