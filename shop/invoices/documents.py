"""What an invoice, a credit note and a packing slip say, built from the order at render time (so an
order anonymised later gives an anonymised invoice), for the HTML pages and the PDFs alike
(docs/rules.md#invoices). Figures are the order's stored ones: nothing is recomputed here."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from shop import pricing
from shop.checkout.countries import country_name
from shop.extensions import db
from shop.money import format_basis_points
from shop.orders.addresses import order_address
from shop.orders.invoice_models import CreditNote, Invoice
from shop.orders.models import Order, OrderLine
from shop.orders.staff_actions import awaiting_shipment


@dataclass(frozen=True)
class Seller:
    legal_name: str
    address_lines: list[str]
    tax_id: str


@dataclass(frozen=True)
class Customer:
    name: str
    email: str
    ship_to: list[str] | None  # the shipping address as printed, country last; None: nothing ships
    billing_country: str


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    sku: str
    quantity: int
    unit_price_cents: int
    discount_cents: int
    net_cents: int  # after the discount, before tax
    tax_rate: str  # "8.25%", or "" when the line carries no tax
    tax_cents: int


@dataclass(frozen=True)
class TaxGroup:
    label: str  # "Tax at 8.25%", or "Tax"
    tax_cents: int


@dataclass(frozen=True)
class CreditNoteSummary:
    number: str
    issued_at: datetime
    amount_cents: int


@dataclass(frozen=True)
class InvoiceDocument:
    number: str
    issued_at: datetime
    order_number: str
    paid_at: datetime | None
    currency: str
    seller: Seller
    customer: Customer
    lines: list[InvoiceLine]
    subtotal_cents: int
    discount_cents: int
    discount_code: str | None
    requires_shipping: bool
    shipping_cents: int
    taxes: list[TaxGroup]
    total_cents: int
    payment_reference: str
    credit_notes: list[CreditNoteSummary]


@dataclass(frozen=True)
class CreditedLine:
    """A line a refund by lines gave back: units (0 for the shipping), net and tax."""

    description: str
    sku: str
    quantity: int
    net_cents: int
    tax_cents: int

    @property
    def total_cents(self) -> int:
        return self.net_cents + self.tax_cents


@dataclass(frozen=True)
class CreditNoteDocument:
    number: str
    issued_at: datetime
    invoice_number: str
    invoice_issued_at: datetime
    order_number: str
    currency: str
    seller: Seller
    customer: Customer
    amount_cents: int
    tax_cents: int
    reason: str
    invoice_total_cents: int
    payment_reference: str
    lines: list[CreditedLine]  # empty for a refund by amount


@dataclass(frozen=True)
class PackingLine:
    description: str
    sku: str
    option: str  # "Size: M", or "" for an item without options
    quantity: int


@dataclass(frozen=True)
class PackingSlip:
    order_number: str
    placed_at: datetime
    paid_at: datetime | None
    ship_to: list[str]
    lines: list[PackingLine]
    digital_count: int  # guides on the order, delivered by email, not packed


def seller() -> Seller:
    config = current_app.config
    address = [part.strip() for part in (config["SHOP_ADDRESS"] or "").split("|") if part.strip()]
    return Seller(
        legal_name=config["SHOP_LEGAL_NAME"] or config["SHOP_NAME"],
        address_lines=address,
        tax_id=config["SHOP_TAX_ID"] or "",
    )


def _ship_to(order: Order) -> list[str] | None:
    address = order_address(order)
    if address is None:
        return None
    return [*address.lines(), country_name(address.country)]


def customer(order: Order) -> Customer:
    return Customer(
        name=order.ship_name or "",
        email=order.email,
        ship_to=_ship_to(order),
        billing_country=country_name(order.billing_country) if order.billing_country else "",
    )


def _invoice_line(line: OrderLine) -> InvoiceLine:
    return InvoiceLine(
        description=line.name,
        sku=line.sku,
        quantity=line.quantity,
        unit_price_cents=line.unit_price_cents,
        discount_cents=line.discount_cents,
        net_cents=line.line_total_cents,
        tax_rate=format_basis_points(line.tax_rate_bp) if line.tax_rate_bp and line.tax_cents else "",
        tax_cents=line.tax_cents,
    )


def tax_groups(order: Order) -> list[TaxGroup]:
    """The order's tax by rate (pricing.tax_by_rate), labelled."""
    groups = pricing.tax_by_rate(
        ((line.tax_rate_bp, line.tax_cents) for line in order.lines), order.tax_cents
    )
    return [
        TaxGroup(label=f"Tax at {format_basis_points(rate)}" if rate is not None else "Tax", tax_cents=tax)
        for rate, tax in groups
    ]


def invoice_document(invoice: Invoice) -> InvoiceDocument:
    order = invoice.order
    return InvoiceDocument(
        number=invoice.number,
        issued_at=invoice.issued_at,
        order_number=order.number,
        paid_at=order.paid_at,
        currency=order.currency,
        seller=seller(),
        customer=customer(order),
        lines=[_invoice_line(line) for line in order.lines],
        subtotal_cents=order.subtotal_cents,
        discount_cents=order.discount_cents,
        discount_code=order.discount_code,
        requires_shipping=order.requires_shipping,
        shipping_cents=order.shipping_cents,
        taxes=tax_groups(order),
        total_cents=order.total_cents,
        payment_reference=order.payment_intent_id or "",
        credit_notes=[
            CreditNoteSummary(number=note.number, issued_at=note.issued_at, amount_cents=note.amount_cents)
            for note in invoice.credit_notes
        ],
    )


def credit_note_document(note: CreditNote) -> CreditNoteDocument:
    order = note.order
    return CreditNoteDocument(
        number=note.number,
        issued_at=note.issued_at,
        invoice_number=note.invoice.number,
        invoice_issued_at=note.invoice.issued_at,
        order_number=order.number,
        currency=order.currency,
        seller=seller(),
        customer=customer(order),
        amount_cents=note.amount_cents,
        tax_cents=note.tax_cents,
        reason=note.reason,
        invoice_total_cents=order.total_cents,
        payment_reference=order.payment_intent_id or "",
        lines=[
            CreditedLine(
                description=line.description,
                sku=line.sku,
                quantity=line.quantity,
                net_cents=line.net_cents,
                tax_cents=line.tax_cents,
            )
            for line in note.lines
        ],
    )


def _option(line: OrderLine) -> str:
    variant = line.variant
    if variant is None or not variant.option_value:
        return ""
    return f"{variant.option_name or 'Option'}: {variant.option_value}"


def packing_slip(order: Order) -> PackingSlip:
    """What to pack for an order: its physical lines, sizes and quantities, and where they go. No prices."""
    return PackingSlip(
        order_number=order.number,
        placed_at=order.created_at,
        paid_at=order.paid_at,
        ship_to=_ship_to(order) or [],
        lines=[
            PackingLine(description=line.name, sku=line.sku, option=_option(line), quantity=line.quantity)
            for line in order.lines
            if not line.is_digital
        ],
        digital_count=sum(1 for line in order.lines if line.is_digital),
    )


def orders_waiting_to_ship() -> list[Order]:
    """Paid orders with merchandise not yet shipped and not held by a flag, oldest payment first: the
    day's packing."""
    return list(
        db.session.scalars(
            sa.select(Order)
            .where(awaiting_shipment(), Order.needs_attention.is_(False))
            .options(selectinload(Order.lines).selectinload(OrderLine.variant))
            .order_by(Order.paid_at, Order.id)
        )
    )


def packing_slips_to_ship() -> list[PackingSlip]:
    return [packing_slip(order) for order in orders_waiting_to_ship()]
