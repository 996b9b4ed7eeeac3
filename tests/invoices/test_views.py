"""/orders/<number>/invoice and .pdf, and the credit notes beside them (docs/rules.md#invoices rules 6-9):
the order page's access rule, the same figures on the page, in the PDF and on the order, and the links
from the order page and the confirmation email."""

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.extensions import db
from shop.orders.access import access_token
from shop.payments import staff_refunds
from tests.accounts.customers import make_customer
from tests.accounts.helpers import sent_emails
from tests.admin.order_helpers import STAFF
from tests.checkout_helpers import add, dev_pay, place
from tests.factories import make_code
from tests.fixtures import ClientFactory, OrderFactory, PayOrder
from tests.invoices.helpers import discounted_taxed_order, invoice_figures, pdf_text, signed
from tests.order_factory import only_order, reload


def test_the_invoice_shows_the_orders_figures_in_html_and_pdf(
    client: FlaskClient, app: Flask, pending_order: OrderFactory, pay: PayOrder
) -> None:
    # given a paid order with discounts and two tax rates, and the shop's legal details
    app.config.update(
        SHOP_LEGAL_NAME="Good Spores LLC", SHOP_ADDRESS="1 Mill Lane|Portland, OR 97201", SHOP_TAX_ID="US-123"
    )
    order = discounted_taxed_order(pending_order, pay)

    # when the customer opens the invoice and its PDF
    page = client.get(signed(f"/orders/{order.number}/invoice", order.number))
    pdf = client.get(signed(f"/orders/{order.number}/invoice.pdf", order.number))

    # then both show every figure of the order, the tax by rate, the seller and the customer
    assert page.status_code == pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert f'filename="invoice-{order.invoice.number}.pdf"' in pdf.headers["Content-Disposition"]
    html, text = page.get_data(as_text=True), pdf_text(pdf.data)
    expected = [
        *invoice_figures(order),
        "Discount (SPORES10)",
        "Tax at 5%",
        "$3.06",
        "Tax at 8.25%",
        "$4.75",
        "Good Spores LLC",
        "1 Mill Lane",
        "Portland, OR 97201",
        "Tax ID: US-123",
        "Ana Lima",
        "ana@example.com",
        "12 Spore Street",
        "United States",
    ]
    for figure in expected:
        assert figure in html, figure
        assert figure in text, figure
    assert html.index("Tax at 5%") < html.index("Tax at 8.25%")
    assert "$153.56" in html and "$153.56" in text
    assert page.headers["Cache-Control"] == pdf.headers["Cache-Control"] == "private, no-store"


def test_the_invoice_reads_the_customer_from_the_order_as_it_is_now(
    client: FlaskClient, paid_order: OrderFactory
) -> None:
    # given an invoiced order whose personal fields are later anonymised
    order = paid_order(("TEE-M", 1))
    order.email, order.ship_name, order.ship_line1 = "deleted@invalid", "Deleted customer", "-"
    db.session.commit()

    html = client.get(signed(f"/orders/{order.number}/invoice", order.number)).get_data(as_text=True)
    text = pdf_text(client.get(signed(f"/orders/{order.number}/invoice.pdf", order.number)).data)

    for document in (html, text):
        assert "Deleted customer" in document and "deleted@invalid" in document
        assert "Ana Lima" not in document and "ana@example.com" not in document


@pytest.mark.parametrize("suffix", ["", ".pdf"])
def test_the_owner_opens_the_invoice_without_the_link(
    customer_client: ClientFactory, paid_order: OrderFactory, suffix: str
) -> None:
    client = customer_client()
    order = paid_order(("TEE-M", 1))  # a guest order to ana's confirmed address

    assert client.get(f"/orders/{order.number}/invoice{suffix}").status_code == 200


@pytest.mark.parametrize("suffix", ["", ".pdf"])
@pytest.mark.parametrize(
    "case", ["unpaid", "someone else's", "unknown number", "tampered link", "another order's link", "no link"]
)
def test_who_may_not_see_an_invoice_gets_the_same_404(
    app: Flask,
    customer_client: ClientFactory,
    pending_order: OrderFactory,
    paid_order: OrderFactory,
    case: str,
    suffix: str,
) -> None:
    ana = make_customer("ana@example.com")
    order = paid_order(("TEE-M", 1), user=ana)
    other = paid_order(("MUG", 1), email="bo@example.com")
    client = app.test_client()
    number, token = order.number, access_token(order.number)
    if case == "unpaid":
        unpaid = pending_order(("TEE-M", 1))
        number, token = unpaid.number, access_token(unpaid.number)
    elif case == "someone else's":
        client, token = customer_client("bo@example.com"), None
    elif case == "unknown number":
        number, token = "GS-ZZZZZZ", access_token("GS-ZZZZZZ")
    elif case == "tampered link":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif case == "another order's link":
        token = access_token(other.number)
    else:
        token = None

    response = client.get(f"/orders/{number}/invoice{suffix}", query_string={"t": token} if token else {})

    assert response.status_code == 404
    assert "find that invoice" in response.get_data(as_text=True)


def test_a_refund_gives_a_credit_note_linked_from_the_order_page(
    client: FlaskClient, paid_order: OrderFactory
) -> None:
    # given a paid order refunded in part
    order = paid_order(("TEE-M", 1))
    staff_refunds.refund(STAFF, order.id, amount_cents=1_250, reason="Creased")
    order = reload(order)
    note = order.credit_notes[0]

    # when the customer opens the order page, the credit note and its PDF
    order_page = client.get(signed(f"/orders/{order.number}", order.number)).get_data(as_text=True)
    html = client.get(signed(f"/orders/{order.number}/credit-notes/{note.number}", order.number))
    pdf = client.get(signed(f"/orders/{order.number}/credit-notes/{note.number}.pdf", order.number))

    # then each names the credit note, the invoice it corrects and the amount refunded
    assert f"Credit note {note.number}" in order_page and f"Invoice {order.invoice.number}" in order_page
    for text in (html.get_data(as_text=True), pdf_text(pdf.data)):
        assert note.number in text and order.invoice.number in text
        assert "$12.50" in text and "Creased" in text and order.number in text
    invoice = client.get(signed(f"/orders/{order.number}/invoice", order.number)).get_data(as_text=True)
    assert note.number in invoice and "$12.50" in invoice
    # and an unknown or foreign credit-note number is a 404
    assert (
        client.get(signed(f"/orders/{order.number}/credit-notes/CN-1999-000001", order.number)).status_code
        == 404
    )
    assert client.get(f"/orders/{order.number}/credit-notes/{note.number}").status_code == 404


def test_the_order_page_and_the_confirmation_email_link_to_the_invoice(
    app: Flask, client: FlaskClient, paid_order: OrderFactory
) -> None:
    order = paid_order(("TEE-M", 1), email="guest@example.com")

    order_page = client.get(signed(f"/orders/{order.number}", order.number)).get_data(as_text=True)
    emailed = [
        url
        for url in re.findall(r"http://localhost(/\S+)", _last_body(app, "guest@example.com"))
        if "/invoice" in url
    ]

    assert f'href="/orders/{order.number}/invoice?t=' in order_page.replace("&amp;", "&")
    assert f"Invoice {order.invoice.number}" in order_page
    assert len(emailed) == 1 and emailed[0].startswith(f"/orders/{order.number}/invoice?t=")
    response = app.test_client().get(emailed[0])
    assert response.status_code == 200 and order.invoice.number in response.get_data(as_text=True)


def _last_body(app: Flask, to: str) -> str:
    """The text of the last email sent to `to` (the queued emails are delivered first)."""
    return [message for message in sent_emails(app) if message.to == [to]][-1].body


def test_an_unpaid_order_page_offers_no_invoice(client: FlaskClient, pending_order: OrderFactory) -> None:
    order = pending_order(("TEE-M", 1))

    page = client.get(signed(f"/orders/{order.number}", order.number)).get_data(as_text=True)

    assert "/invoice" not in page


def test_a_name_outside_the_pdf_fonts_letters_never_stops_the_pdf(
    client: FlaskClient, paid_order: OrderFactory
) -> None:
    order = paid_order(("TEE-M", 1))
    order.ship_name = "Zoë Żółć — 王"
    db.session.commit()

    response = client.get(signed(f"/orders/{order.number}/invoice.pdf", order.number))

    assert response.status_code == 200
    assert "Zoë Zó?c - ?" in pdf_text(response.data)  # Latin-1 kept, Ż without its dot, ł and 王 "?"


def test_a_discounted_checkout_gives_an_invoice_with_the_code_and_each_lines_discount(
    client: FlaskClient, shop: dict
) -> None:
    # given a cart with SPORES10 (10% off merchandise) shipped to New York (4% on goods, not on guides)
    make_code("SPORES10", scope="merchandise")
    add(client, "TEE-M", 2)
    add(client, "HOODIE-M", 1)
    add(client, "GUIDE-WB", 1)
    assert client.post("/cart/discount.json", json={"code": "SPORES10"}).status_code == 200

    # when the shopper places the order and pays
    placed = place(client, region="NY", city="New York", postal_code="10001")
    assert placed.status_code == 303, placed.get_data(as_text=True)
    dev_pay(client, placed.headers["Location"])

    # then tax is reckoned on each line after its discount, and the invoice shows the code and each
    # line's discount beside the order's figures
    order = only_order()
    assert (order.discount_code, order.discount_cents) == ("SPORES10", 1_320)
    assert [(line.discount_cents, line.tax_cents) for line in order.lines] == [(640, 230), (680, 245), (0, 0)]
    assert order.total_cents == 15_100 - 1_320 + 795 + 475
    html = client.get(signed(f"/orders/{order.number}/invoice", order.number)).get_data(as_text=True)
    text = pdf_text(client.get(signed(f"/orders/{order.number}/invoice.pdf", order.number)).data)
    for figure in [*invoice_figures(order), "Discount (SPORES10)", "Tax at 4%", "$4.75"]:
        assert figure in html, figure
        assert figure in text, figure
