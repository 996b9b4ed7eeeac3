"""Customers with orders: confirmed and unconfirmed accounts, paid orders tied to them or not."""

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop.accounts.models import User
from shop.clock import utcnow
from shop.downloads.models import DownloadGrant
from shop.extensions import db
from shop.orders.models import Order
from shop.orders.payment_events import Outcome, PaymentConfirmation
from shop.payments.settlement import mark_paid
from tests.accounts.helpers import log_in, make_user
from tests.ordering import make_pending_order, reload


def grant_count() -> int:
    """Download grants in the database: a refused request must not have made one."""
    return db.session.scalar(sa.select(sa.func.count(DownloadGrant.id))) or 0


def make_customer(email: str = "ana@example.com", *, confirmed: bool = True) -> User:
    user = make_user(email=email)
    if confirmed:
        user.email_confirmed_at = utcnow()
        db.session.commit()
    return user


def customer_client(app: Flask, email: str = "ana@example.com", *, confirmed: bool = True) -> FlaskClient:
    make_customer(email, confirmed=confirmed)
    client = app.test_client()
    assert log_in(client, email=email).status_code == 303
    return client


_sessions = iter(range(1, 1_000_000))


def pending_order(*items: tuple[str, int], email: str = "ana@example.com", user: User | None = None) -> Order:
    order = make_pending_order(*items, email=email, session_id=f"cs_test_{next(_sessions)}")
    if user is not None:
        order.user_id = user.id
        db.session.commit()
    return order


def pay(order: Order) -> Order:
    confirmation = PaymentConfirmation(
        session_id=order.payment_session_id,
        payment_intent_id=f"pi_{order.id}",
        amount_cents=order.total_cents,
        currency="usd",
    )
    assert mark_paid(order.id, confirmation) == Outcome.APPLIED
    return reload(order)


def paid_order(*items: tuple[str, int], email: str = "ana@example.com", user: User | None = None) -> Order:
    return pay(pending_order(*items, email=email, user=user))
