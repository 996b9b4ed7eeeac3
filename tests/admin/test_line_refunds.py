"""Refunds by lines (docs/rules.md#refunds rules 8–11, #tax rule 7, #invoices rule 4): an admin picks
units of lines and the shipping; each gives back what was paid for it, tax included; the credit note
says which lines and how much of the refund was tax; bad quantities are refused with nothing changed."""

from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop.accounts.models import Role
from shop.extensions import db
from shop.orders.errors import RefundError
from shop.orders.invoice_models import CreditNote
from shop.orders.models import Order, OrderLine
from shop.payments import staff_refunds
from shop.pricing import TaxRate
from tests.admin.helpers import client_as
from tests.admin.order_helpers import STAFF, audit_rows, timeline
from tests.checkout_helpers import hidden_fields
from tests.fixtures import OrderFactory, PayOrder
from tests.invoices.helpers import pdf_text
from tests.order_factory import reload, set_discounts_and_tax
from tests.races import run_together

# The review's rate: 7.25% on merchandise, guides untaxed.
CA_RATE = TaxRate(rate_bp=725, digital_taxable=False)


@pytest.fixture
def admin(shop: dict, app: Flask) -> FlaskClient:
    return client_as(app, Role.ADMIN, email="bo@example.com")


def text(response: object) -> str:
    return unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def line_of(order: Order, sku: str) -> OrderLine:
    return next(line for line in reload(order).lines if line.sku == sku)


def refund_lines(
    client: FlaskClient, order: Order, units: dict[str, str], **extra: str
) -> tuple[object, object]:
    """Post the refund-lines form (`units`: SKU → what is typed in its box), then press the
    confirmation page's button (or, when the first post was refused, post the same data confirmed)."""
    order = reload(order)
    data = {f"line_{line.id}": units.get(line.sku, "0") for line in order.lines}
    data |= extra
    url = f"/admin/orders/{order.number}/refund-lines"
    first = client.post(url, data=data)
    if first.status_code == 200:
        held = {k: v for k, v in hidden_fields(text(first)).items() if k != "csrf_token"}
        assert held.pop("confirmed") == "yes"
    else:
        held = {**data, "refunded_before": str(order.refunded_cents)}
    second = client.post(url, data={**held, "confirmed": "yes"})
    return first, second


def the_review_order(paid_order: OrderFactory) -> Order:
    """A hoodie ($68.00 + $4.93 tax at 7.25%) and an untaxed $19.00 guide, shipping $7.95."""
    order = paid_order(("HOODIE-M", 1), ("GUIDE-WB", 1), tax_rate=CA_RATE)
    assert (line_of(order, "HOODIE-M").tax_cents, line_of(order, "GUIDE-WB").tax_cents) == (493, 0)
    assert (order.shipping_cents, order.tax_cents, order.total_cents) == (795, 493, 9_988)
    return order


def credit_notes(order: Order) -> list[CreditNote]:
    db.session.expire_all()
    return sorted(reload(order).credit_notes, key=lambda note: note.sequence)


# --- the review's example ------------------------------------------------------------------------


def test_the_page_shows_what_was_paid_for_each_line_tax_included(
    paid_order: OrderFactory, admin: FlaskClient
) -> None:
    order = the_review_order(paid_order)

    page = text(admin.get(f"/admin/orders/{order.number}"))

    hoodie = line_of(order, "HOODIE-M")
    row = page.split(f'data-line="{hoodie.id}"')[1].split("</tr>")[0]
    assert "<td data-line-tax>$4.93</td>" in row and "<td data-line-paid>$72.93</td>" in row
    assert "data-refund-lines" in page and f'name="line_{hoodie.id}"' in page


def test_refunding_the_hoodie_refunds_its_tax_exactly(paid_order: OrderFactory, admin: FlaskClient) -> None:
    order = the_review_order(paid_order)

    first, second = refund_lines(admin, order, {"HOODIE-M": "1"}, reason="Too small")

    # the confirmation says what goes back, then the refund is made
    assert first.status_code == 200  # type: ignore[attr-defined]
    assert "$72.93, of which $4.93 tax" in text(first)
    assert second.status_code == 303  # type: ignore[attr-defined]
    order = reload(order)
    assert (order.status, order.refunded_cents, order.refunded_tax_cents) == (
        "partially_refunded",
        7_293,
        493,
    )
    hoodie = line_of(order, "HOODIE-M")
    assert (hoodie.refunded_quantity, hoodie.refunded_cents, hoodie.refunded_tax_cents) == (1, 6_800, 493)
    [note] = credit_notes(order)
    assert (note.amount_cents, note.tax_cents) == (7_293, 493)
    assert [(line.sku, line.quantity, line.net_cents, line.tax_cents) for line in note.lines] == [
        ("HOODIE-M", 1, 6_800, 493)
    ]
    # and the timeline and the audit log say which line
    assert any(
        f"Refunded $72.93 for 1 × {hoodie.name}, of which $4.93 tax" in note
        for _, _, note in timeline(order)
        if note
    )
    assert ("order.refund_lines", "bo@example.com", order.number) in audit_rows()


def test_refunding_the_untaxed_guide_refunds_no_tax(paid_order: OrderFactory, admin: FlaskClient) -> None:
    order = the_review_order(paid_order)

    refund_lines(admin, order, {"GUIDE-WB": "1"})

    order = reload(order)
    assert (order.refunded_cents, order.refunded_tax_cents) == (1_900, 0)
    assert [(note.amount_cents, note.tax_cents) for note in credit_notes(order)] == [(1_900, 0)]


def test_refunding_every_line_and_the_shipping_refunds_the_whole_order_and_its_tax(
    paid_order: OrderFactory, admin: FlaskClient
) -> None:
    order = the_review_order(paid_order)

    refund_lines(admin, order, {"GUIDE-WB": "1"})
    refund_lines(admin, order, {"HOODIE-M": "1"}, shipping="y")

    order = reload(order)
    assert (order.status, order.refunded_cents, order.refunded_tax_cents) == ("refunded", 9_988, 493)
    assert order.shipping_refunded
    assert sum(note.tax_cents for note in credit_notes(order)) == order.tax_cents
    # nothing is left to refund, so the page offers no refund at all
    assert "data-refund-lines" not in text(admin.get(f"/admin/orders/{order.number}"))


# --- partial quantities and discounts ------------------------------------------------------------


def test_units_refunded_in_parts_add_up_to_the_line(paid_order: OrderFactory, admin: FlaskClient) -> None:
    # three tees, $96.00 + $6.96 tax
    order = paid_order(("TEE-M", 3), tax_rate=CA_RATE)
    assert line_of(order, "TEE-M").tax_cents == 696

    refund_lines(admin, order, {"TEE-M": "1"})
    tee = line_of(order, "TEE-M")
    assert (tee.refunded_quantity, tee.refunded_cents, tee.refunded_tax_cents) == (1, 3_200, 232)
    page = text(admin.get(f"/admin/orders/{order.number}"))
    assert "1 of 3, $34.32" in page and "2 of 3 left" in page

    refund_lines(admin, order, {"TEE-M": "2"})
    tee = line_of(order, "TEE-M")
    assert (tee.refunded_quantity, tee.refunded_cents, tee.refunded_tax_cents) == (3, 9_600, 696)
    assert [(note.amount_cents, note.tax_cents) for note in credit_notes(order)] == [
        (3_432, 232),
        (6_864, 464),
    ]


def test_a_discounted_line_refunds_its_net_after_the_discount_not_its_price(
    pending_order: OrderFactory, pay: PayOrder, admin: FlaskClient
) -> None:
    # two tees ($64.00) with $6.40 off and $4.18 tax on the $57.60 left, shipping $7.95
    order = pending_order(("TEE-M", 2))
    order = pay(set_discounts_and_tax(order, [(640, 418, 725)], discount_code="SPORES10"))
    assert reload(order).total_cents == 5_760 + 795 + 418

    refund_lines(admin, order, {"TEE-M": "1"})

    # one tee gives back half the net after the discount ($28.80) and half its tax ($2.09)
    order = reload(order)
    assert (order.refunded_cents, order.refunded_tax_cents) == (2_880 + 209, 209)
    refund_lines(admin, order, {"TEE-M": "1"}, shipping="y")
    assert reload(order).refunded_cents == reload(order).total_cents


def test_the_shipping_gives_back_the_tax_stripe_put_on_it(
    pending_order: OrderFactory, pay: PayOrder, admin: FlaskClient
) -> None:
    # Stripe Tax spread $5.00 over a hoodie ($4.50) and the shipping ($0.50): the shipping's share is
    # the tax not on any line
    order = pending_order(("HOODIE-M", 1))
    order = pay(set_discounts_and_tax(order, [(0, 450, None)], extra_tax_cents=50))

    first, _ = refund_lines(admin, order, {}, shipping="y")

    assert "$8.45, of which $0.50 tax" in text(first)
    order = reload(order)
    assert (order.refunded_cents, order.refunded_tax_cents, order.shipping_refunded) == (845, 50, True)
    [note] = credit_notes(order)
    assert [(line.description, line.net_cents, line.tax_cents) for line in note.lines] == [
        ("Shipping", 795, 50)
    ]
    # the shipping goes back once
    again, _ = refund_lines(admin, order, {}, shipping="y")
    assert again.status_code == 400  # type: ignore[attr-defined]
    assert "no shipping left to refund" in text(again)


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-1", "whole number"),
        ("1.5", "whole number"),
        ("one", "whole number"),
        ("١", "whole number"),  # an Arabic-Indic one
        ("１", "whole number"),  # a full-width one
        ("9" * 40, "whole number"),
        ("2", "Only 1 of"),
        ("0", "Choose at least one unit"),
    ],
)
def test_bad_quantities_are_refused_with_nothing_changed(
    paid_order: OrderFactory, admin: FlaskClient, typed: str, message: str
) -> None:
    order = the_review_order(paid_order)

    first, second = refund_lines(admin, order, {"HOODIE-M": typed})

    for response in (first, second):
        assert response.status_code == 400  # type: ignore[attr-defined]
        assert message in text(response)
    order = reload(order)
    assert (order.status, order.refunded_cents, order.refunded_tax_cents) == ("paid", 0, 0)
    assert line_of(order, "HOODIE-M").refunded_quantity == 0
    assert credit_notes(order) == []


def test_a_line_of_another_order_is_refused(paid_order: OrderFactory) -> None:
    order, other = the_review_order(paid_order), paid_order(("TEE-M", 1))

    with pytest.raises(RefundError, match="no such line"):
        staff_refunds.refund_lines(STAFF, order.id, quantities={reload(other).lines[0].id: 1})

    assert reload(other).refunded_cents == reload(order).refunded_cents == 0


def test_staff_neither_see_nor_post_the_refund_lines_form(
    paid_order: OrderFactory, shop: dict, app: Flask
) -> None:
    staff = client_as(app, Role.STAFF, email="cy@example.com")
    order = the_review_order(paid_order)

    page = text(staff.get(f"/admin/orders/{order.number}"))
    assert "data-refund-lines" not in page
    hoodie = line_of(order, "HOODIE-M")
    response = staff.post(
        f"/admin/orders/{order.number}/refund-lines", data={f"line_{hoodie.id}": "1", "confirmed": "yes"}
    )
    assert response.status_code == 403
    assert reload(order).refunded_cents == 0


# --- mixing refunds by amount and by lines --------------------------------------------------------


def test_after_a_refund_by_amount_lines_are_refunded_only_within_what_is_left(
    paid_order: OrderFactory, admin: FlaskClient
) -> None:
    order = the_review_order(paid_order)
    # $19.00 back by amount carries its share of the tax: $0.94 of $4.93
    staff_refunds.refund(STAFF, order.id, amount_cents=1_900)
    assert reload(order).refunded_tax_cents == 94

    # the hoodie's $72.93 fits in the $80.88 left, but its $4.93 of tax not in the $3.99 of tax left:
    # refused, nothing changed
    first, second = refund_lines(admin, order, {"HOODIE-M": "1"})
    assert first.status_code == second.status_code == 400  # type: ignore[attr-defined]
    assert "Refund the rest by amount" in text(first)
    assert reload(order).refunded_cents == 1_900
    assert "was refunded by amount on this order" in text(admin.get(f"/admin/orders/{reload(order).number}"))

    # the untaxed guide still fits; then the rest by amount takes exactly the tax left
    refund_lines(admin, order, {"GUIDE-WB": "1"})
    staff_refunds.refund(
        STAFF, order.id, amount_cents=reload(order).total_cents - reload(order).refunded_cents
    )
    order = reload(order)
    assert (order.status, order.refunded_cents, order.refunded_tax_cents) == ("refunded", 9_988, 493)


def test_a_refund_by_amount_after_a_line_refund_takes_the_tax_that_line_left(
    paid_order: OrderFactory, admin: FlaskClient
) -> None:
    order = the_review_order(paid_order)
    refund_lines(admin, order, {"GUIDE-WB": "1"})

    staff_refunds.refund(STAFF, order.id, amount_cents=8_088)  # all that is left

    assert [note.tax_cents for note in credit_notes(order)] == [0, 493]
    assert reload(order).refunded_tax_cents == reload(order).tax_cents


# --- the credit note ---------------------------------------------------------------------------


def test_the_credit_note_lists_the_refunded_lines(paid_order: OrderFactory, admin: FlaskClient) -> None:
    order = the_review_order(paid_order)
    refund_lines(admin, order, {"HOODIE-M": "1"}, shipping="y")
    staff_refunds.refund(STAFF, order.id, amount_cents=100)
    by_lines, by_amount = credit_notes(order)

    path = f"/admin/orders/{order.number}/credit-notes/{by_lines.number}"
    page, pdf = text(admin.get(path)), pdf_text(admin.get(f"{path}.pdf").data)
    for document in (page, pdf):
        assert "Refunded item" in document and "HOODIE-M" in document and "Shipping" in document
        assert "$72.93" in document and "$4.93" in document and "$80.88" in document
    # a refund by amount lists no lines
    other = text(admin.get(f"/admin/orders/{order.number}/credit-notes/{by_amount.number}"))
    assert "Refunded item" not in other


# --- two admins at once --------------------------------------------------------------------------


def test_two_admins_refunding_the_same_line_at_once_refund_it_once(
    postgres: Flask, paid_order: OrderFactory
) -> None:
    order = the_review_order(paid_order)
    hoodie_id, order_id = line_of(order, "HOODIE-M").id, order.id
    db.session.remove()

    def refund(index: int) -> int:
        return staff_refunds.refund_lines(
            STAFF, order_id, quantities={hoodie_id: 1}, expected_refunded_cents=None
        ).amount_cents

    results = run_together(postgres, 2, refund)

    assert sorted(type(result).__name__ for result in results) == ["RefundError", "int"], results
    order = db.session.get(Order, order_id)
    assert (order.refunded_cents, order.refunded_tax_cents) == (7_293, 493)
    assert (
        db.session.scalar(sa.select(sa.func.count(CreditNote.id)).where(CreditNote.order_id == order_id)) == 1
    )
