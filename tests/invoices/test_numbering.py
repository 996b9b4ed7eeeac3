"""Invoice and credit-note numbers (docs/rules.md#invoices): consecutive per year from the
payment, restarted each year, never reused, handed back when the paying transaction fails (rules 1-5)."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from shop.clock import utcnow
from shop.extensions import db
from shop.orders import payment_events
from shop.orders.invoice_models import CreditNote, DocumentCounter, Invoice
from shop.orders.payment_events import Outcome, PaymentConfirmation, record_payment
from shop.orders.pending import mark_expired
from shop.orders.refunds import record_provider_refund
from shop.payments import staff_refunds
from shop.payments.settlement import mark_paid
from tests.admin.order_helpers import STAFF, timeline
from tests.fixtures import OrderFactory, PayOrder
from tests.order_factory import reload


def invoice_numbers() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Invoice.number).order_by(Invoice.id)))


def this_year(sequence: int, prefix: str = "") -> str:
    return f"{prefix}{utcnow().year}-{sequence:06d}"


def test_paid_orders_get_consecutive_numbers_dated_at_payment(paid_order: OrderFactory) -> None:
    orders = [paid_order(("TEE-M", 1)) for _ in range(3)]

    assert [reload(order).invoice.number for order in orders] == [this_year(1), this_year(2), this_year(3)]
    for order in orders:
        order = reload(order)
        assert order.invoice.issued_at.replace(tzinfo=UTC) == order.paid_at.replace(tzinfo=UTC)


def test_numbers_restart_each_year(
    pending_order: OrderFactory, pay: PayOrder, monkeypatch: pytest.MonkeyPatch
) -> None:
    orders = [pending_order(("TEE-M", 1)) for _ in range(4)]

    for order, moment in zip(
        orders,
        [
            datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
            datetime(2027, 1, 1, 0, 0, 0, tzinfo=UTC),
            datetime(2027, 1, 2, tzinfo=UTC),
            datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),  # a late webhook for the old year
        ],
        strict=True,
    ):
        monkeypatch.setattr(payment_events, "utcnow", lambda moment=moment: moment)
        pay(order)

    assert invoice_numbers() == ["2026-000001", "2027-000001", "2027-000002", "2026-000002"]


def test_only_a_recorded_payment_gets_an_invoice(pending_order: OrderFactory, pay: PayOrder) -> None:
    # given an unpaid order and one whose payment did not match (flagged, not paid)
    pending_order(("TEE-M", 1))
    mismatched = pending_order(("MUG", 1))
    wrong = PaymentConfirmation(
        session_id=mismatched.payment_session_id, payment_intent_id="pi_x", amount_cents=1, currency="usd"
    )
    assert record_payment(mismatched.id, wrong)[0] == Outcome.FLAGGED

    # then neither has an invoice, and the next paid order takes number 1
    assert invoice_numbers() == []
    paid = pay(pending_order(("TEE-M", 1)))
    assert paid.invoice.number == this_year(1)


def test_a_payment_reported_again_keeps_its_one_invoice(paid_order: OrderFactory) -> None:
    order = paid_order(("TEE-M", 1))
    again = PaymentConfirmation(
        session_id=order.payment_session_id,
        payment_intent_id=order.payment_intent_id,
        amount_cents=order.total_cents,
        currency="usd",
    )

    assert record_payment(order.id, again, event_id="evt_again")[0] == Outcome.ALREADY_DONE
    assert invoice_numbers() == [this_year(1)]


def test_a_payment_that_fails_hands_its_number_back(
    pending_order: OrderFactory, pay: PayOrder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a payment whose transaction fails after the invoice was numbered
    order = pending_order(("TEE-M", 1))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(payment_events, "fulfil", broken)
    with pytest.raises(RuntimeError):
        pay(order)
    monkeypatch.undo()

    # then nothing was kept, and the number is the next payment's
    assert invoice_numbers() == []
    assert reload(order).status == "pending_payment"
    assert pay(order).invoice.number == this_year(1)


def test_refunds_and_cancellations_issue_credit_notes_and_never_free_a_number(
    paid_order: OrderFactory,
) -> None:
    # given two paid orders
    refunded = paid_order(("TEE-M", 1))  # $32 + $7.95 shipping
    cancelled = paid_order(("MUG", 1))  # $18 + $7.95

    # when one is refunded in two parts and the other cancelled
    staff_refunds.refund(STAFF, refunded.id, amount_cents=1_000, reason="Creased")
    staff_refunds.refund(STAFF, refunded.id, amount_cents=3_995 - 1_000)
    staff_refunds.cancel_order(STAFF, cancelled.id, reason="Changed their mind")

    # then each money movement has its credit note, referencing the invoice, in its own series
    db.session.expire_all()
    notes = db.session.scalars(sa.select(CreditNote).order_by(CreditNote.id)).all()
    assert [(note.number, note.invoice.number, note.amount_cents) for note in notes] == [
        (this_year(1, "CN-"), this_year(1), 1_000),
        (this_year(2, "CN-"), this_year(1), 2_995),
        (this_year(3, "CN-"), this_year(2), 2_595),
    ]
    assert "Creased" in notes[0].reason and "Changed their mind" in notes[2].reason
    assert any(f"Credit note {this_year(3, 'CN-')}" in note for _, _, note in timeline(cancelled))
    # and the invoices stay, so the next order takes a new number
    assert paid_order(("TEE-M", 1)).invoice.number == this_year(3)
    assert invoice_numbers() == [this_year(1), this_year(2), this_year(3)]


def test_orders_paid_before_invoices_existed_are_numbered_by_the_command(
    app: Flask, paid_order: OrderFactory
) -> None:
    # given two paid orders without invoices (as before this feature), the older paid first
    older = paid_order(("TEE-M", 1), paid_at=datetime(2026, 3, 1, tzinfo=UTC))
    newer = paid_order(("MUG", 1), paid_at=datetime(2026, 3, 2, tzinfo=UTC))
    db.session.execute(sa.delete(Invoice))
    db.session.execute(sa.delete(DocumentCounter))
    db.session.commit()

    first = app.test_cli_runner().invoke(args=["shop", "issue-invoices"])
    second = app.test_cli_runner().invoke(args=["shop", "issue-invoices"])

    assert first.exit_code == 0, first.output
    assert f"Issued 2 invoice(s): {this_year(1)}, {this_year(2)}" in first.output
    assert "Issued 0 invoice(s)." in second.output
    assert (reload(older).invoice.number, reload(newer).invoice.number) == (this_year(1), this_year(2))


def test_a_refund_on_an_order_without_an_invoice_numbers_one_first(paid_order: OrderFactory) -> None:
    order = paid_order(("TEE-M", 1))
    db.session.execute(sa.delete(Invoice))
    db.session.execute(sa.delete(DocumentCounter))
    db.session.commit()

    staff_refunds.refund(STAFF, order.id, amount_cents=500)

    order = reload(order)
    assert order.invoice.number == this_year(1)
    assert [(note.number, note.invoice_id) for note in order.credit_notes] == [
        (this_year(1, "CN-"), order.invoice.id)
    ]


def test_a_refund_made_at_the_provider_issues_a_credit_note(paid_order: OrderFactory) -> None:
    order = paid_order(("TEE-M", 1))

    record_provider_refund(order.payment_intent_id, 700, event_id="evt_refund_1")
    record_provider_refund(order.payment_intent_id, 700, event_id="evt_refund_2")  # the same total again

    order = reload(order)
    assert [(note.number, note.amount_cents) for note in order.credit_notes] == [(this_year(1, "CN-"), 700)]


def test_a_late_payment_without_stock_is_invoiced_and_credited_in_full(
    pending_order: OrderFactory, pay: PayOrder
) -> None:
    # given an order whose reservation ran out and whose mugs were sold to someone else
    order = pending_order(("MUG", 3))
    assert mark_expired(order.id) == Outcome.APPLIED
    pending_order(("MUG", 2))

    # when its payment arrives after all: recorded, then refunded at once
    late = PaymentConfirmation(
        session_id=order.payment_session_id,
        payment_intent_id="pi_late",
        amount_cents=order.total_cents,
        currency="usd",
    )
    assert mark_paid(order.id, late) == Outcome.FLAGGED

    # then the money that came in has its invoice, and the money that went back its credit note
    order = reload(order)
    assert order.status == "refunded"
    assert order.invoice.number == this_year(1)
    assert [(note.invoice_id, note.amount_cents) for note in order.credit_notes] == [
        (order.invoice.id, order.total_cents)
    ]
