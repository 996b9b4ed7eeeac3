"""Order services on the database: numbers, reservation, release exactly once, the sweep, refunds."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from shop.catalog.models import ProductVariant
from shop.catalog.services import get_catalog_revision
from shop.clock import utcnow
from shop.downloads.models import DownloadGrant
from shop.emails.models import OutgoingEmail
from shop.extensions import db
from shop.orders import fulfilment, pending, placing, stock
from shop.orders.errors import RefundError
from shop.orders.models import Order, OrderEvent
from shop.orders.payment_events import Outcome, PaymentConfirmation
from shop.payments import refunds, settlement
from shop.payments.errors import PaymentError
from tests.factories import stock_of
from tests.fixtures import PayOrder
from tests.order_factory import SHIPPING_ADDRESS, make_pending_order, new_line, reload
from tests.pricing_knobs import ORDER_KNOBS


def test_order_numbers_are_friendly_and_random(shop: dict) -> None:
    numbers = {make_pending_order(("TEE-M", 1), session_id=None).number for _ in range(5)}

    assert len(numbers) == 5
    for number in numbers:
        assert re.fullmatch(r"GS-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{6}", number)


def test_creating_an_order_copies_lines_and_reserves_stock(shop: dict) -> None:
    revision = get_catalog_revision()

    order = make_pending_order(("HOODIE-M", 2), ("GUIDE-WB", 1))

    order = reload(order)
    assert order.status == "pending_payment"
    assert [
        (line.sku, line.name, line.unit_price_cents, line.quantity, line.is_digital) for line in order.lines
    ] == [
        ("HOODIE-M", "Spore Print Hoodie (M)", 6_800, 2, False),
        ("GUIDE-WB", "90-Day Workbook", 1_900, 1, True),
    ]
    assert (order.subtotal_cents, order.merchandise_subtotal_cents, order.shipping_cents) == (
        15_500,
        13_600,
        795,
    )
    assert order.total_cents == 16_295
    assert stock_of("HOODIE-M") == 8
    # 10 → 8 is "In stock" either way: no page changes (tests/orders/test_stock_revision.py)
    assert get_catalog_revision() == revision
    assert [event.kind for event in order.events] == ["created"]


def test_a_price_change_after_ordering_does_not_change_the_order(shop: dict) -> None:
    order = make_pending_order(("TEE-M", 1))
    db.session.execute(
        sa.update(ProductVariant).where(ProductVariant.sku == "TEE-M").values(price_cents=9_900)
    )
    db.session.commit()

    assert reload(order).lines[0].unit_price_cents == 3_200


def test_if_one_line_is_short_nothing_is_reserved(shop: dict) -> None:
    lines = [new_line("HOODIE-M", 2), new_line("TEE-M", 1), new_line("MUG", 4)]

    with pytest.raises(stock.StockShortError) as short:
        placing.create_order(
            email="ana@example.com",
            lines=lines,
            address=SHIPPING_ADDRESS,
            cart_token=None,
            checkout_key=None,
            **ORDER_KNOBS,
        )
    db.session.rollback()

    assert "only 3 left of Enamel Mug" in short.value.message
    assert stock_of("HOODIE-M") == 10 and stock_of("TEE-M") == 20 and stock_of("MUG") == 3
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 0


def test_release_happens_exactly_once(shop: dict) -> None:
    order = make_pending_order(("HOODIE-M", 2))

    first = stock.release_reservation(order, actor="system")
    second = stock.release_reservation(order, actor="system")
    db.session.commit()

    assert (first, second) == (True, False)
    assert stock_of("HOODIE-M") == 10


@pytest.mark.parametrize("mark", [pending.mark_expired, pending.mark_failed, pending.mark_cancelled])
def test_ending_a_pending_order_returns_stock_once(shop: dict, mark) -> None:
    order = make_pending_order(("HOODIE-M", 2), ("MUG", 1))

    outcomes = [mark(order.id), mark(order.id)]

    assert outcomes == [Outcome.APPLIED, Outcome.ALREADY_DONE]
    assert stock_of("HOODIE-M") == 10 and stock_of("MUG") == 3
    order = reload(order)
    assert order.reservation_released_at is not None
    assert [event.kind for event in order.events] == ["created", "status", "stock"]


def test_expiring_then_failing_returns_stock_once(shop: dict) -> None:
    order = make_pending_order(("HOODIE-M", 2))

    pending.mark_expired(order.id)
    pending.mark_failed(order.id)
    pending.mark_cancelled(order.id)

    assert stock_of("HOODIE-M") == 10
    assert reload(order).status == "expired"


def test_mark_paid_is_idempotent(app: Flask, shop: dict) -> None:
    order = make_pending_order(("GUIDE-WB", 1))
    confirmation = PaymentConfirmation("cs_test_123", "pi_1", order.total_cents, "usd")

    outcomes = [settlement.mark_paid(order.id, confirmation) for _ in range(3)]

    assert outcomes == [Outcome.APPLIED, Outcome.ALREADY_DONE, Outcome.ALREADY_DONE]
    assert db.session.scalar(sa.select(sa.func.count(OutgoingEmail.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(DownloadGrant.id))) == 1


def test_mark_paid_for_an_unknown_order(shop: dict) -> None:
    assert settlement.mark_paid(999, PaymentConfirmation(None, None, 1, "usd")) == Outcome.UNKNOWN_ORDER


def test_a_payment_through_another_session_is_flagged(shop: dict) -> None:
    order = make_pending_order(("TEE-M", 1))

    outcome = settlement.mark_paid(
        order.id, PaymentConfirmation("cs_other", "pi_1", order.total_cents, "usd")
    )

    assert outcome == Outcome.FLAGGED
    assert reload(order).status == "pending_payment" and reload(order).needs_attention


def test_a_broken_confirmation_email_never_fails_the_payment(app: Flask, shop: dict, monkeypatch) -> None:
    def explode(**kwargs: object) -> None:
        raise RuntimeError("template blew up")

    monkeypatch.setattr(fulfilment, "queue_email", explode)
    order = make_pending_order(("GUIDE-WB", 1))

    assert settlement.mark_paid(
        order.id, PaymentConfirmation("cs_test_123", "pi", order.total_cents, "usd")
    ) == (Outcome.APPLIED)
    assert reload(order).status == "fulfilled"


def test_the_sweep_expires_only_overdue_unflagged_orders(pay: PayOrder, shop: dict) -> None:
    overdue = make_pending_order(("HOODIE-M", 2), session_id="cs_1")
    fresh = make_pending_order(("HOODIE-L", 1), session_id="cs_2")
    flagged = make_pending_order(("TEE-M", 1), session_id="cs_3")
    paid_order = pay(make_pending_order(("MUG", 1), session_id="cs_4"))
    for order in (overdue, flagged, paid_order):
        db.session.get(Order, order.id).reservation_expires_at = utcnow() - timedelta(minutes=1)
    db.session.get(Order, flagged.id).needs_attention = True
    db.session.commit()

    released = pending.release_expired_orders()
    again = pending.release_expired_orders()

    assert (released, again) == (1, 0)
    assert reload(overdue).status == "expired" and reload(fresh).status == "pending_payment"
    assert reload(flagged).status == "pending_payment" and reload(paid_order).status == "paid"
    assert stock_of("HOODIE-M") == 10 and stock_of("HOODIE-L") == 9 and stock_of("TEE-M") == 19


def test_a_full_refund_revokes_the_downloads(pay: PayOrder, shop: dict) -> None:
    order = pay(make_pending_order(("GUIDE-WB", 1), ("TEE-M", 1)))

    result = refunds.refund_order(order.id, actor="staff:bo@example.com", note="Customer asked.")

    order = reload(order)
    assert result.amount_cents == order.total_cents
    assert (order.status, order.refunded_cents) == ("refunded", order.total_cents)
    assert all(grant.revoked_at is not None for grant in db.session.scalars(sa.select(DownloadGrant)))
    notes = [event.note for event in order.events]
    assert any("Refunded" in note and "Customer asked." in note for note in notes)


def test_partial_refunds_add_up(pay: PayOrder, shop: dict) -> None:
    order = pay(make_pending_order(("HOODIE-M", 1)))

    refunds.refund_order(order.id, 1_000, actor="staff:bo@example.com", revoke_downloads=False)
    assert (reload(order).status, reload(order).refunded_cents) == ("partially_refunded", 1_000)
    refunds.refund_order(order.id, actor="staff:bo@example.com")

    order = reload(order)
    assert (order.status, order.refunded_cents) == ("refunded", order.total_cents)
    with pytest.raises(RefundError):
        refunds.refund_order(order.id, 1, actor="staff:bo@example.com")


@pytest.mark.parametrize("amount", [0, -5, 10_000_000])
def test_a_refund_must_be_within_what_is_left(pay: PayOrder, shop: dict, amount: int) -> None:
    order = pay(make_pending_order(("TEE-M", 1)))

    with pytest.raises(RefundError):
        refunds.refund_order(order.id, amount, actor="staff:bo@example.com")

    assert reload(order).refunded_cents == 0


def test_the_cap_is_exactly_what_is_left_after_earlier_refunds(pay: PayOrder, shop: dict) -> None:
    # given an order with $10.00 of its total refunded already
    order = pay(make_pending_order(("TEE-M", 1)))
    refunds.refund_order(order.id, 1_000, actor="staff:bo@example.com")
    left = reload(order).total_cents - 1_000

    # when one cent more than what is left is asked for, it is refused and nothing changes
    with pytest.raises(RefundError, match="A refund must be between"):
        refunds.refund_order(order.id, left + 1, actor="staff:bo@example.com")
    order = reload(order)
    assert (order.status, order.refunded_cents) == ("partially_refunded", 1_000)

    # and exactly what is left goes through
    result = refunds.refund_order(order.id, left, actor="staff:bo@example.com")
    order = reload(order)
    assert result.amount_cents == left
    assert (order.status, order.refunded_cents) == ("refunded", order.total_cents)


def test_an_unpaid_order_cannot_be_refunded(shop: dict) -> None:
    order = make_pending_order(("TEE-M", 1))

    with pytest.raises(RefundError):
        refunds.refund_order(order.id, actor="staff:bo@example.com")


def test_a_provider_failure_refunds_nothing(pay: PayOrder, app: Flask, shop: dict, monkeypatch) -> None:
    order = pay(make_pending_order(("TEE-M", 1)))

    def refuse(**kwargs: object) -> None:
        raise PaymentError("down")

    monkeypatch.setattr(app.extensions["payment_provider"], "refund", refuse)

    with pytest.raises(PaymentError):
        refunds.refund_order(order.id, actor="staff:bo@example.com")

    assert reload(order).status == "paid" and reload(order).refunded_cents == 0


def test_cancelling_a_paid_order_refunds_restocks_and_revokes(pay: PayOrder, shop: dict) -> None:
    order = pay(make_pending_order(("HOODIE-M", 2), ("GUIDE-WB", 1)))
    assert stock_of("HOODIE-M") == 8

    refunds.cancel_paid_order(order.id, actor="staff:bo@example.com", note="Out of our hands.")

    order = reload(order)
    assert order.status == "cancelled" and order.refunded_cents == order.total_cents
    assert stock_of("HOODIE-M") == 10
    assert db.session.scalar(sa.select(DownloadGrant)).revoked_at is not None
    with pytest.raises(RefundError):
        refunds.cancel_paid_order(order.id, actor="staff:bo@example.com")


def test_every_status_change_is_on_the_timeline(pay: PayOrder, shop: dict) -> None:
    order = pay(make_pending_order(("GUIDE-WB", 1)))
    refunds.refund_order(order.id, actor="staff:bo@example.com")

    changes = db.session.execute(
        sa.select(OrderEvent.from_status, OrderEvent.to_status)
        .where(OrderEvent.order_id == order.id, OrderEvent.kind == "status")
        .order_by(OrderEvent.id)
    ).all()
    assert changes == [("pending_payment", "paid"), ("paid", "fulfilled"), ("fulfilled", "refunded")]


def test_a_payment_reported_again_after_cancellation_does_not_reopen_the_order(
    pay: PayOrder, shop: dict
) -> None:
    # given a paid order that staff cancelled and refunded (its session still says "paid" at Stripe)
    order = pay(make_pending_order(("HOODIE-M", 2), ("GUIDE-WB", 1)))
    refunds.cancel_paid_order(order.id, actor="staff:bo@example.com")

    # when reconciliation or a late retry reports the payment again
    outcome = settlement.mark_paid(
        order.id, PaymentConfirmation("cs_test_123", "pi_1", order.total_cents, "usd")
    )

    # then nothing is reserved, granted or sent again
    assert outcome == Outcome.ALREADY_DONE
    assert reload(order).status == "cancelled" and stock_of("HOODIE-M") == 10
    assert db.session.scalar(sa.select(sa.func.count(DownloadGrant.id))) == 1


def test_a_guide_lead_who_pays_becomes_a_customer(pay: PayOrder, shop: dict) -> None:
    from shop.guides.models import Lead

    # given someone who got the free guide, and someone who did not
    db.session.add(Lead(email="ana@example.com", signup_form="guide_page", utm_source="newsletter"))
    db.session.commit()
    order = make_pending_order(("GUIDE-WB", 1), email="ana@example.com")
    stranger = make_pending_order(("GUIDE-WB", 1), email="bo@example.com", session_id="cs_test_456")

    # when both pay
    pay(order)
    pay(stranger)

    # then the lead is linked to the first order; the stranger gains no lead
    lead = db.session.scalar(sa.select(Lead).where(Lead.email == "ana@example.com"))
    db.session.refresh(lead)
    assert lead.first_order_reference == order.number
    assert lead.customer_since is not None
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 1
    notes = db.session.scalars(sa.select(OrderEvent.note).where(OrderEvent.order_id == order.id)).all()
    assert "Buyer came through the free guide." in notes
