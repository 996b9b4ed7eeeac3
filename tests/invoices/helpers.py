"""Helpers for the invoice tests: an order priced with discounts and two tax rates, the figures an
invoice must show for an order (read from the order row), and a PDF's text."""

import io

from pypdf import PdfReader

from shop.money import format_basis_points, format_cents
from shop.orders.access import access_token
from shop.orders.models import Order
from tests.fixtures import OrderFactory, PayOrder
from tests.order_factory import set_discounts_and_tax


def discounted_taxed_order(pending_order: OrderFactory, pay: PayOrder, **kwargs: object) -> Order:
    """Two tees ($64, $6.40 off, 8.25% tax), a hoodie ($68, $6.80 off, 5% tax) and an untaxed guide ($19),
    shipping $7.95, paid: total $151.00 − $13.20 + $7.95 + $7.81 = $153.56."""
    order = pending_order(("TEE-M", 2), ("HOODIE-M", 1), ("GUIDE-WB", 1), **kwargs)
    order = set_discounts_and_tax(
        order, [(640, 475, 825), (680, 306, 500), (0, 0, None)], discount_code="SPORES10"
    )
    assert order.total_cents == 15_356
    return pay(order)


def invoice_figures(order: Order) -> list[str]:
    """Every figure an invoice of `order` shows, formatted, from the order as stored."""
    money = format_cents
    figures = [order.invoice.number, order.number, order.payment_intent_id or ""]
    for line in order.lines:
        figures += [
            line.name,
            money(line.unit_price_cents),
            money(line.line_total_cents),
            money(line.tax_cents),
        ]
        if line.discount_cents:
            figures.append(money(-line.discount_cents))
        if line.tax_cents:
            figures.append(format_basis_points(line.tax_rate_bp))
    figures += [money(order.subtotal_cents), money(order.shipping_cents), money(order.total_cents)]
    if order.discount_cents:
        figures.append(money(-order.discount_cents))
    return figures


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def signed(path: str, number: str) -> str:
    """A guest's signed link to a page of order `number`."""
    return f"{path}?t={access_token(number)}"
