"""The cart's JSON shape (docs/rules.md#cart rule 9), built from the priced summary."""

from typing import Any

from shop.cart.services import CartSummary


def cart_payload(summary: CartSummary, *, currency: str) -> dict[str, Any]:
    totals = summary.totals
    return {
        "items": [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price_cents": line.unit_price_cents,
                "line_total_cents": line.line_total_cents,
                "digital": line.digital,
            }
            for line in summary.lines
        ],
        "item_count": summary.item_count,
        "subtotal_cents": totals.subtotal_cents,
        "merchandise_subtotal_cents": totals.merchandise_subtotal_cents,
        "requires_shipping": totals.requires_shipping,
        "shipping_cents": totals.shipping_cents,
        "free_shipping_threshold_cents": totals.free_shipping_threshold_cents,
        "free_shipping_remaining_cents": totals.free_shipping_remaining_cents,
        "tax_cents": totals.tax_cents,
        "total_cents": totals.total_cents,
        "currency": currency,
        # The estimate's country, and whether its tax waits for the address (a US state).
        "country": summary.destination.country if summary.destination else None,
        "tax_depends_on_address": bool(summary.destination and summary.destination.tax_needs_state),
        # The discount code (docs/rules.md#discounts): the applied code or null, what it takes off, and
        # why a code the cart carries does not apply now (null when it does).
        "discount_code": summary.discount_code,
        "discount_cents": totals.discount_cents,
        "discount_problem": summary.discount_problem,
    }
