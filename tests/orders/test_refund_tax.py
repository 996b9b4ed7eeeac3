"""Refunds say how much of each was tax (docs/rules.md#tax rule 7): the tax part is recorded on the order
and the timeline, adds up to the order's tax once it is all refunded, and shows in the admin."""

import pytest
from flask.testing import FlaskClient

from shop.payments import staff_refunds
from shop.pricing import TaxRate
from tests.admin.order_helpers import STAFF, timeline
from tests.fixtures import OrderFactory
from tests.invoices.helpers import pdf_text, signed
from tests.order_factory import reload

FIVE_PERCENT = TaxRate(rate_bp=500, digital_taxable=True)


@pytest.fixture
def payment_provider() -> str:
    """Refunds run through the development payment provider, offline."""
    return "dev"


def test_a_partial_refund_records_its_share_of_the_tax(paid_order: OrderFactory) -> None:
    # given a paid order of $68.00 + $7.95 shipping + $3.40 tax = $79.35
    order = paid_order(("HOODIE-M", 1), tax_rate=FIVE_PERCENT)
    assert (order.tax_cents, order.total_cents) == (340, 7_935)

    # when staff refund half of it
    staff_refunds.refund(STAFF, order.id, amount_cents=3_967, reason="Goodwill")

    # then half the tax went back with it, and the timeline says so
    order = reload(order)
    assert order.refunded_tax_cents == 170
    assert any("Refunded $39.67, of which $1.70 tax" in note for _, _, note in timeline(order))


def test_refunding_the_rest_refunds_exactly_the_rest_of_the_tax(paid_order: OrderFactory) -> None:
    order = paid_order(("HOODIE-M", 1), ("GUIDE-WB", 1), tax_rate=FIVE_PERCENT)

    staff_refunds.refund(STAFF, order.id, amount_cents=1_001, reason="")
    staff_refunds.refund(STAFF, order.id, amount_cents=reload(order).total_cents - 1_001, reason="")

    order = reload(order)
    assert order.status == "refunded"
    assert order.refunded_tax_cents == order.tax_cents == 435


def test_cancelling_a_paid_order_refunds_all_its_tax(paid_order: OrderFactory) -> None:
    order = paid_order(("HOODIE-M", 1), tax_rate=FIVE_PERCENT)

    staff_refunds.cancel_order(STAFF, order.id, reason="Changed mind")

    order = reload(order)
    assert order.refunded_tax_cents == 340
    assert any("$3.40 of it tax" in note for _, _, note in timeline(order))


def test_staff_see_the_tax_refunded_on_the_order(paid_order: OrderFactory, admin_client: FlaskClient) -> None:
    order = paid_order(("HOODIE-M", 1), tax_rate=FIVE_PERCENT)
    staff_refunds.refund(STAFF, order.id, amount_cents=3_967, reason="")

    page = admin_client.get(f"/admin/orders/{order.number}").get_data(as_text=True)

    assert "<dt>Tax (5%)</dt>" in page
    assert "<dt>Tax refunded</dt><dd data-refunded-tax>$1.70</dd>" in page


def test_each_credit_note_says_how_much_of_its_refund_was_tax(
    paid_order: OrderFactory, client: FlaskClient
) -> None:
    # given a taxed order refunded in two parts
    order = paid_order(("HOODIE-M", 1), tax_rate=FIVE_PERCENT)
    staff_refunds.refund(STAFF, order.id, amount_cents=3_967, reason="")
    staff_refunds.refund(STAFF, order.id, amount_cents=7_935 - 3_967, reason="")

    # then the credit notes carry the tax parts, which add up to the order's tax
    notes = sorted(reload(order).credit_notes, key=lambda note: note.sequence)
    assert [note.tax_cents for note in notes] == [170, 170]
    assert sum(note.tax_cents for note in notes) == reload(order).tax_cents
    # and the credit note's page and PDF show it
    path = f"/orders/{order.number}/credit-notes/{notes[0].number}"
    for url in (path, f"{path}.pdf"):
        response = client.get(signed(url, order.number))
        text = response.get_data(as_text=True) if url == path else pdf_text(response.data)
        assert "of which tax" in text and "$1.70" in text
