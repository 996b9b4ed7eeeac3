"""Admin: an order's invoice and credit notes, and packing slips (one order's, or every order waiting to
ship in one document), as printable pages and PDFs. Staff and admins alike (shop/admin/permissions.py)."""

from flask import Response, abort, current_app, render_template, url_for

from shop.admin.blueprint import bp
from shop.barcodes import code128_svg
from shop.invoices import documents, pdf
from shop.invoices.views import pdf_response
from shop.orders.invoice_models import CreditNote, Invoice
from shop.orders.invoices import get_credit_note
from shop.orders.lookups import get_order_by_number
from shop.orders.models import Order


def _order_or_404(number: str) -> Order:
    order = get_order_by_number(number)
    if order is None:
        abort(404, description="There is no order with that number.")
    return order


def _invoice_or_404(number: str) -> tuple[Order, Invoice]:
    order = _order_or_404(number)
    if order.invoice is None:
        abort(404, description=f"Order {order.number} has no invoice: it has not been paid.")
    return order, order.invoice


def _credit_note_or_404(number: str, note_number: str) -> tuple[Order, CreditNote]:
    order, _ = _invoice_or_404(number)
    note = get_credit_note(order, note_number)
    if note is None:
        abort(404, description=f"Order {order.number} has no credit note {note_number[:24]}.")
    return order, note


@bp.get("/orders/<number>/invoice")
def order_invoice(number: str) -> str:
    order, invoice = _invoice_or_404(number)
    return render_template(
        "invoices/invoice.html",
        order=order,
        document=documents.invoice_document(invoice),
        token=None,
        back_url=url_for("admin.order_detail", number=order.number),
        back_label=f"Order {order.number}",
        pdf_url=url_for("admin.order_invoice_pdf", number=order.number),
        note_urls={
            note.number: url_for("admin.order_credit_note", number=order.number, note_number=note.number)
            for note in invoice.credit_notes
        },
    )


@bp.get("/orders/<number>/invoice.pdf")
def order_invoice_pdf(number: str) -> Response:
    _, invoice = _invoice_or_404(number)
    return pdf_response(pdf.invoice_pdf(documents.invoice_document(invoice)), f"invoice-{invoice.number}.pdf")


@bp.get("/orders/<number>/credit-notes/<note_number>")
def order_credit_note(number: str, note_number: str) -> str:
    order, note = _credit_note_or_404(number, note_number)
    return render_template(
        "invoices/credit_note.html",
        order=order,
        document=documents.credit_note_document(note),
        token=None,
        back_url=url_for("admin.order_detail", number=order.number),
        back_label=f"Order {order.number}",
        pdf_url=url_for("admin.order_credit_note_pdf", number=order.number, note_number=note.number),
        invoice_url=url_for("admin.order_invoice", number=order.number),
    )


@bp.get("/orders/<number>/credit-notes/<note_number>.pdf")
def order_credit_note_pdf(number: str, note_number: str) -> Response:
    _, note = _credit_note_or_404(number, note_number)
    return pdf_response(
        pdf.credit_note_pdf(documents.credit_note_document(note)), f"credit-note-{note.number}.pdf"
    )


def _packable_or_404(number: str) -> Order:
    order = _order_or_404(number)
    if order.paid_at is None or not order.requires_shipping:
        abort(404, description=f"Order {order.number} has nothing to pack: it is unpaid or digital only.")
    return order


def _slips_page(slips: list[documents.PackingSlip], *, single: Order | None) -> str:
    return render_template(
        "admin/packing_slips.html",
        slips=slips,
        barcodes={slip.order_number: code128_svg(slip.order_number) for slip in slips},
        single=single,
    )


@bp.get("/orders/<number>/packing-slip")
def order_packing_slip(number: str) -> str:
    order = _packable_or_404(number)
    return _slips_page([documents.packing_slip(order)], single=order)


@bp.get("/orders/<number>/packing-slip.pdf")
def order_packing_slip_pdf(number: str) -> Response:
    order = _packable_or_404(number)
    content = pdf.packing_slips_pdf(
        [documents.packing_slip(order)], shop_name=current_app.config["SHOP_NAME"]
    )
    return pdf_response(content, f"packing-slip-{order.number}.pdf")


@bp.get("/packing-slips")
def packing_slips() -> str:
    return _slips_page(documents.packing_slips_to_ship(), single=None)


@bp.get("/packing-slips.pdf")
def packing_slips_pdf() -> Response:
    content = pdf.packing_slips_pdf(
        documents.packing_slips_to_ship(), shop_name=current_app.config["SHOP_NAME"]
    )
    return pdf_response(content, "packing-slips.pdf")
