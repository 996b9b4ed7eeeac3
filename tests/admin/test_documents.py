"""Staff documents (docs/rules.md#invoices rules 10-12): an order's invoice and credit notes from the admin,
and packing slips, one order's or every order waiting to ship, as pages and PDFs: no prices, sizes and
quantities, the address, and the order number as text and as a Code 128 barcode."""

import re

from flask import Flask
from flask.testing import FlaskClient

from shop.barcodes import bar_runs, code128_modules
from shop.orders import staff_actions
from shop.payments import staff_refunds
from tests.admin.order_helpers import STAFF, flag_order
from tests.fixtures import OrderFactory
from tests.invoices.helpers import pdf_text
from tests.order_factory import reload

SLIP = re.compile(r"<article class=\"document packing-slip\".*?</article>", re.S)


def slips_in(page: str) -> list[str]:
    return SLIP.findall(page)


def barcode_bars(slip: str) -> int:
    svg = re.search(r"<svg.*?</svg>", slip, re.S).group(0)
    return len(re.findall(r'<rect x="\d+" y="0" width="\d+" height="\d+"/>', svg))


def test_staff_open_the_invoice_and_credit_notes_from_the_order_page(
    staff_client: FlaskClient, paid_order: OrderFactory
) -> None:
    order = paid_order(("TEE-M", 1))
    staff_refunds.refund(STAFF, order.id, amount_cents=500, reason="Late")
    order = reload(order)
    note = order.credit_notes[0]

    page = staff_client.get(f"/admin/orders/{order.number}").get_data(as_text=True)
    invoice = staff_client.get(f"/admin/orders/{order.number}/invoice")
    invoice_pdf = staff_client.get(f"/admin/orders/{order.number}/invoice.pdf")
    credit = staff_client.get(f"/admin/orders/{order.number}/credit-notes/{note.number}")
    credit_pdf = staff_client.get(f"/admin/orders/{order.number}/credit-notes/{note.number}.pdf")

    assert f'href="/admin/orders/{order.number}/invoice"' in page
    assert f'href="/admin/orders/{order.number}/credit-notes/{note.number}"' in page
    assert f'href="/admin/orders/{order.number}/packing-slip"' in page
    assert (
        invoice.status_code == invoice_pdf.status_code == credit.status_code == credit_pdf.status_code == 200
    )
    assert order.invoice.number in invoice.get_data(as_text=True)
    assert "$39.95" in pdf_text(invoice_pdf.data)
    assert "$5.00" in credit.get_data(as_text=True) and "$5.00" in pdf_text(credit_pdf.data)


def test_an_unpaid_order_has_no_invoice_or_packing_slip(
    staff_client: FlaskClient, pending_order: OrderFactory
) -> None:
    order = pending_order(("TEE-M", 1))

    page = staff_client.get(f"/admin/orders/{order.number}").get_data(as_text=True)

    assert "No invoice: the order has not been paid." in page
    for path in ("invoice", "invoice.pdf", "packing-slip", "packing-slip.pdf", "credit-notes/CN-2026-000001"):
        assert staff_client.get(f"/admin/orders/{order.number}/{path}").status_code == 404, path


def test_a_packing_slip_has_what_to_pack_and_no_prices(
    staff_client: FlaskClient, paid_order: OrderFactory
) -> None:
    order = paid_order(("HOODIE-M", 2), ("TEE-M", 1), ("GUIDE-WB", 1))

    page = staff_client.get(f"/admin/orders/{order.number}/packing-slip").get_data(as_text=True)
    pdf = pdf_text(staff_client.get(f"/admin/orders/{order.number}/packing-slip.pdf").data)

    [slip] = slips_in(page)
    for text in (slip, pdf):
        assert order.number in text
        assert "Spore Print Hoodie (M)" in text and "Size: M" in text and "HOODIE-M" in text
        assert "Mycelium Tee (M)" in text
        assert "Ana Lima" in text and "12 Spore Street" in text and "Portland OR 97201" in text
        assert "1 guide delivered by email" in text or "1 guide(s) delivered by email" in text
        assert "$" not in text  # no price, no total, no shipping charge
    assert re.search(r"<td>HOODIE-M</td><td>Size: M</td><td>2</td>", slip)
    assert "90-Day Workbook" not in slip.split("<tbody>")[1].split("</tbody>")[0]  # guides are not packed
    assert barcode_bars(slip) == len(bar_runs(code128_modules(order.number)))
    assert f'aria-label="Barcode of {order.number}"' in slip


def test_every_order_waiting_to_ship_in_one_document(
    staff_client: FlaskClient, paid_order: OrderFactory
) -> None:
    # given two orders to pack, and orders that are not: shipped, digital only, held by a flag
    first = paid_order(("HOODIE-M", 1))
    second = paid_order(("MUG", 2), email="bo@example.com")
    shipped = paid_order(("TEE-M", 1))
    staff_actions.mark_shipped(STAFF, shipped.id, carrier="UPS", tracking_number="1Z999")
    digital = paid_order(("GUIDE-WB", 1))
    flagged = flag_order(paid_order(("TEE-M", 1)), "Check the address")

    page = staff_client.get("/admin/packing-slips").get_data(as_text=True)
    pdf = pdf_text(staff_client.get("/admin/packing-slips.pdf").data)

    slips = slips_in(page)
    assert [first.number in slips[0], second.number in slips[1]] == [True, True]
    for order in (shipped, digital, flagged):
        assert order.number not in page and order.number not in pdf
    assert first.number in pdf and second.number in pdf and "$" not in pdf
    assert "2 orders waiting to ship" in page
    assert all(barcode_bars(slip) > 0 for slip in slips)


def test_nothing_waiting_to_ship_is_an_empty_state(staff_client: FlaskClient, app: Flask) -> None:
    page = staff_client.get("/admin/packing-slips")
    pdf = staff_client.get("/admin/packing-slips.pdf")

    assert page.status_code == pdf.status_code == 200
    assert "Nothing is waiting to ship." in page.get_data(as_text=True)
    assert "Nothing is waiting to ship." in pdf_text(pdf.data)


def test_the_dashboard_and_the_orders_list_link_to_the_packing_slips(
    staff_client: FlaskClient, paid_order: OrderFactory
) -> None:
    paid_order(("HOODIE-M", 1))  # the dashboard lists the orders waiting to ship, and links their slips

    for path in ("/admin/", "/admin/orders"):
        page = staff_client.get(path).get_data(as_text=True)
        assert 'href="/admin/packing-slips"' in page, path
