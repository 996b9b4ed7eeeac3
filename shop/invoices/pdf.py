"""Invoices, credit notes and packing slips as PDF (fpdf2), with the same figures and words as the HTML
pages: both are drawn from the documents in shop/invoices/documents.py.

The PDF uses the core Helvetica font, which covers Latin-1: other letters are written without their
accent (Ż → Z), or as "?" when they have none to drop (ł, 王), so a name never stops a PDF.
"""

import unicodedata
from collections.abc import Sequence
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from shop.barcodes import QUIET_ZONE_MODULES, bar_runs, code128_modules
from shop.invoices.documents import CreditNoteDocument, InvoiceDocument, PackingSlip, Seller
from shop.money import format_cents

MARGIN_MM = 12
LINE_MM = 5.5
_PUNCTUATION = str.maketrans(
    {"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "×": "x"}
)


def pdf_text(text: str) -> str:
    """`text` as the core fonts can write it (Latin-1): each other letter without its accent, or "?"."""
    return "".join(_latin1(char) for char in text.translate(_PUNCTUATION))


def _latin1(char: str) -> str:
    if ord(char) < 256:
        return char
    plain = "".join(part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part))
    return plain if plain and all(ord(part) < 256 for part in plain) else "?"


def _date(moment: datetime | None) -> str:
    return moment.strftime("%B %-d, %Y") if moment else ""


class _Page(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="Letter", unit="mm")
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(auto=True, margin=MARGIN_MM)
        self.set_title(pdf_text(title))
        self.set_creator("shop")

    def line_of(self, text: str, *, size: float = 10, bold: bool = False, align: str = "L") -> None:
        self.set_font("helvetica", "B" if bold else "", size)
        self.multi_cell(0, LINE_MM, pdf_text(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def cells(self, values: Sequence[str], widths: Sequence[float], *, bold: bool = False) -> None:
        self.set_font("helvetica", "B" if bold else "", 9)
        for index, (value, width) in enumerate(zip(values, widths, strict=True)):
            self.cell(width, LINE_MM + 1, self.fit(value, width), align="L" if index == 0 else "R")
        self.ln(LINE_MM + 1)

    def fit(self, text: str, width: float) -> str:
        """`text` cut with "..." to fit `width` millimetres in the current font."""
        text = pdf_text(text)
        if self.get_string_width(text) <= width - 2:
            return text
        while text and self.get_string_width(text + "...") > width - 2:
            text = text[:-1]
        return text + "..."

    def rule(self) -> None:
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1)

    def seller_block(self, seller: Seller) -> None:
        self.line_of(seller.legal_name, size=12, bold=True)
        for part in seller.address_lines:
            self.line_of(part)
        if seller.tax_id:
            self.line_of(f"Tax ID: {seller.tax_id}")
        self.ln(3)

    def label_value(self, label: str, value: str) -> None:
        self.set_font("helvetica", "B", 10)
        self.cell(45, LINE_MM, pdf_text(label))
        self.set_font("helvetica", "", 10)
        self.multi_cell(0, LINE_MM, pdf_text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def total_row(self, label: str, value: str, *, bold: bool = False) -> None:
        self.set_font("helvetica", "B" if bold else "", 10)
        self.cell(self.w - self.l_margin - self.r_margin - 40, LINE_MM + 1, pdf_text(label), align="R")
        self.cell(40, LINE_MM + 1, pdf_text(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


INVOICE_COLUMNS = (
    ("Item", 70.0),
    ("Qty", 14.0),
    ("Unit price", 26.0),
    ("Discount", 26.0),
    ("Net", 26.0),
    ("Tax", 29.9),
)


def invoice_pdf(document: InvoiceDocument) -> bytes:
    money = lambda cents: format_cents(cents, document.currency)  # noqa: E731
    pdf = _Page(f"Invoice {document.number}")
    pdf.add_page()
    pdf.seller_block(document.seller)
    pdf.line_of(f"Invoice {document.number}", size=16, bold=True)
    pdf.label_value("Invoice date", _date(document.issued_at))
    pdf.label_value("Order", document.order_number)
    if document.paid_at:
        pdf.label_value("Paid", _date(document.paid_at))
    if document.payment_reference:
        pdf.label_value("Payment reference", document.payment_reference)
    pdf.ln(2)
    customer = document.customer
    pdf.label_value("Bill to", "\n".join(part for part in (customer.name, customer.email) if part))
    if customer.billing_country:
        pdf.label_value("Billing country", customer.billing_country)
    if customer.ship_to:
        pdf.label_value("Ship to", "\n".join(customer.ship_to))
    pdf.ln(3)
    widths = [width for _, width in INVOICE_COLUMNS]
    pdf.cells([name for name, _ in INVOICE_COLUMNS], widths, bold=True)
    pdf.rule()
    for line in document.lines:
        tax = money(line.tax_cents) + (f" ({line.tax_rate})" if line.tax_rate else "")
        pdf.cells(
            [
                f"{line.description} ({line.sku})",
                str(line.quantity),
                money(line.unit_price_cents),
                money(-line.discount_cents) if line.discount_cents else money(0),
                money(line.net_cents),
                tax,
            ],
            widths,
        )
    pdf.rule()
    pdf.total_row("Subtotal", money(document.subtotal_cents))
    if document.discount_cents:
        code = f" ({document.discount_code})" if document.discount_code else ""
        pdf.total_row(f"Discount{code}", money(-document.discount_cents))
    pdf.total_row("Shipping", _shipping_text(document))
    for group in document.taxes:
        pdf.total_row(group.label, money(group.tax_cents))
    pdf.total_row("Total", money(document.total_cents), bold=True)
    if document.credit_notes:
        pdf.ln(4)
        pdf.line_of("Credit notes", bold=True)
        for note in document.credit_notes:
            pdf.line_of(f"{note.number} of {_date(note.issued_at)}: {money(note.amount_cents)}")
    return bytes(pdf.output())


def _shipping_text(document: InvoiceDocument) -> str:
    """As the page says it: none for a digital order, free, or the charge."""
    if not document.requires_shipping:
        return "None: digital delivery"
    if document.shipping_cents == 0:
        return "Free"
    return format_cents(document.shipping_cents, document.currency)


CREDITED_COLUMNS = (("Refunded item", 85.9), ("Qty", 14.0), ("Net", 30.0), ("Tax", 30.0), ("Refunded", 32.0))


def credit_note_pdf(document: CreditNoteDocument) -> bytes:
    money = lambda cents: format_cents(cents, document.currency)  # noqa: E731
    pdf = _Page(f"Credit note {document.number}")
    pdf.add_page()
    pdf.seller_block(document.seller)
    pdf.line_of(f"Credit note {document.number}", size=16, bold=True)
    pdf.label_value("Date", _date(document.issued_at))
    pdf.label_value("Invoice", f"{document.invoice_number} of {_date(document.invoice_issued_at)}")
    pdf.label_value("Order", document.order_number)
    if document.payment_reference:
        pdf.label_value("Payment reference", document.payment_reference)
    customer = document.customer
    pdf.label_value("Customer", "\n".join(part for part in (customer.name, customer.email) if part))
    pdf.ln(3)
    if document.lines:
        widths = [width for _, width in CREDITED_COLUMNS]
        pdf.cells([name for name, _ in CREDITED_COLUMNS], widths, bold=True)
        pdf.rule()
        for line in document.lines:
            pdf.cells(
                [
                    f"{line.description} ({line.sku})" if line.sku else line.description,
                    str(line.quantity) if line.quantity else "",
                    money(line.net_cents),
                    money(line.tax_cents),
                    money(line.total_cents),
                ],
                widths,
            )
    pdf.rule()
    pdf.total_row("Invoice total", money(document.invoice_total_cents))
    pdf.total_row("Refunded", money(document.amount_cents), bold=True)
    if document.tax_cents:
        pdf.total_row("of which tax", money(document.tax_cents))
    if document.reason:
        pdf.ln(2)
        pdf.label_value("Reason", document.reason)
    return bytes(pdf.output())


def _barcode(pdf: _Page, text: str, *, module_mm: float = 0.33, height_mm: float = 14) -> None:
    modules = code128_modules(text)
    left = pdf.l_margin + QUIET_ZONE_MODULES * module_mm
    top = pdf.get_y()
    pdf.set_fill_color(0, 0, 0)
    for start, width in bar_runs(modules):
        pdf.rect(left + start * module_mm, top, width * module_mm, height_mm, style="F")
    pdf.set_y(top + height_mm + 2)


PACKING_COLUMNS = (("Item", 100.0), ("SKU", 40.0), ("Option", 30.0), ("Qty", 21.9))


def packing_slips_pdf(slips: Sequence[PackingSlip], *, shop_name: str) -> bytes:
    """One page (or more) per order; an empty list gives one page that says nothing is waiting."""
    pdf = _Page("Packing slips")
    if not slips:
        pdf.add_page()
        pdf.line_of("Packing slips", size=16, bold=True)
        pdf.line_of("Nothing is waiting to ship.")
    for slip in slips:
        pdf.add_page()
        pdf.line_of(f"{shop_name}: packing slip", size=10)
        pdf.line_of(f"Order {slip.order_number}", size=16, bold=True)
        _barcode(pdf, slip.order_number)
        pdf.label_value("Placed", _date(slip.placed_at))
        pdf.label_value("Ship to", "\n".join(slip.ship_to))
        pdf.ln(3)
        widths = [width for _, width in PACKING_COLUMNS]
        pdf.cells([name for name, _ in PACKING_COLUMNS], widths, bold=True)
        pdf.rule()
        for line in slip.lines:
            pdf.cells([line.description, line.sku, line.option, str(line.quantity)], widths)
        pdf.rule()
        if slip.digital_count:
            pdf.line_of(
                f"Also on this order: {slip.digital_count} guide(s) delivered by email, nothing to pack."
            )
    return bytes(pdf.output())
