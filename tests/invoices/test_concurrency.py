"""Invoice numbers under concurrent payments, on PostgreSQL (docs/rules.md#invoices rule 2): twenty
orders paid at the same instant take numbers 1 to 20 of the year, each once, with no gap, and so do
credit notes for refunds made at once."""

import sqlalchemy as sa
from flask import Flask

from shop.clock import utcnow
from shop.extensions import db
from shop.orders.invoice_models import CreditNote, Invoice
from shop.orders.models import Order
from shop.payments import staff_refunds
from tests.admin.order_helpers import STAFF
from tests.order_factory import make_pending_order, next_session_id, pay
from tests.races import run_together

ORDERS = 20


def test_orders_paid_at_once_get_consecutive_numbers(postgres: Flask, shop: dict) -> None:
    # given twenty unpaid orders, and no invoice yet this year (the year's counter row does not exist)
    app = postgres
    orders = [
        make_pending_order(("TEE-M", 1), session_id=next_session_id("dev"), provider="dev")
        for _ in range(ORDERS)
    ]
    ids = [order.id for order in orders]
    db.session.remove()

    # when all are paid at the same instant
    results = run_together(app, ORDERS, lambda index: pay(db.session.get(Order, ids[index])).invoice.number)

    # then they hold the numbers 1..20 of the year, each once
    year = utcnow().year
    assert all(isinstance(result, str) for result in results), results
    assert sorted(results) == [f"{year}-{sequence:06d}" for sequence in range(1, ORDERS + 1)]
    assert db.session.scalar(sa.select(sa.func.count(Invoice.id))) == ORDERS

    # and refunds made at once get credit notes 1..20 of their own series
    def refund(index: int) -> str:
        return staff_refunds.refund(STAFF, ids[index], amount_cents=100).refund_id

    refunds = run_together(app, ORDERS, refund)
    assert all(isinstance(result, str) for result in refunds), refunds
    numbers = db.session.scalars(sa.select(CreditNote.number)).all()
    assert sorted(numbers) == [f"CN-{year}-{sequence:06d}" for sequence in range(1, ORDERS + 1)]
