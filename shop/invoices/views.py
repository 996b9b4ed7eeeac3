"""A customer's invoice and credit notes, as printable pages and PDFs: /orders/<number>/invoice(.pdf)
and /orders/<number>/credit-notes/<number>(.pdf). The order page's rule decides who may open them
(shop/orders/access.py: its owner, or the signed link); an unpaid order, someone else's, an unknown
number or a tampered link are all the same 404."""

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user

from shop.invoices import documents, pdf
from shop.orders import access
from shop.orders.invoice_models import CreditNote, Invoice
from shop.orders.invoices import get_credit_note
from shop.orders.lookups import get_order_by_number
from shop.orders.models import Order

bp = Blueprint("invoices", __name__)

NOT_FOUND = "We couldn't find that invoice. Use the link on your order page or in your confirmation email."


def _viewable_order(number: str, token: str | None) -> Order:
    order = get_order_by_number(number)
    if order is None or not access.can_view(order, token=token, user=current_user):
        abort(404, description=NOT_FOUND)
    return order


def _invoice_or_404(number: str) -> tuple[Order, Invoice, str | None]:
    token = request.args.get("t")
    order = _viewable_order(number, token)
    if order.invoice is None:
        abort(404, description=NOT_FOUND)
    return order, order.invoice, token


def _credit_note_or_404(number: str, note_number: str) -> tuple[Order, CreditNote, str | None]:
    order, _, token = _invoice_or_404(number)
    note = get_credit_note(order, note_number)
    if note is None:
        abort(404, description=NOT_FOUND)
    return order, note, token


def pdf_response(content: bytes, filename: str) -> Response:
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@bp.get("/orders/<number>/invoice")
def invoice(number: str) -> str:
    order, invoice, token = _invoice_or_404(number)
    return render_template(
        "invoices/invoice.html",
        order=order,
        document=documents.invoice_document(invoice),
        token=token,
        note_urls={
            note.number: url_for(
                "invoices.credit_note", number=order.number, note_number=note.number, t=token
            )
            for note in invoice.credit_notes
        },
    )


@bp.get("/orders/<number>/invoice.pdf")
def invoice_pdf(number: str) -> Response:
    _, invoice, _ = _invoice_or_404(number)
    return pdf_response(pdf.invoice_pdf(documents.invoice_document(invoice)), f"invoice-{invoice.number}.pdf")


@bp.get("/orders/<number>/credit-notes/<note_number>")
def credit_note(number: str, note_number: str) -> str:
    order, note, token = _credit_note_or_404(number, note_number)
    return render_template(
        "invoices/credit_note.html", order=order, document=documents.credit_note_document(note), token=token
    )


@bp.get("/orders/<number>/credit-notes/<note_number>.pdf")
def credit_note_pdf(number: str, note_number: str) -> Response:
    _, note, _ = _credit_note_or_404(number, note_number)
    return pdf_response(
        pdf.credit_note_pdf(documents.credit_note_document(note)), f"credit-note-{note.number}.pdf"
    )
