"""The tax a payment provider computed (Stripe Tax) recorded on the order it was paid for
(docs/rules.md#tax rule 6)."""

from shop import pricing
from shop.money import format_cents
from shop.orders.models import Order
from shop.orders.status_machine import add_event


def record_provider_tax(order: Order, tax_cents: int | None, *, actor: str) -> bool:
    """Set an unpaid order's tax to what the provider computed, in the caller's transaction, and its
    total to subtotal − discount + shipping + that tax. Only for orders whose tax the provider reckons
    (`tax_from_provider`); a missing, negative or non-integer figure changes nothing (the amount check
    that follows then flags a mismatch). Returns whether anything changed.

    The tax is spread over the lines (and shipping, which some places tax) in proportion to what each
    costs, by largest remainder, so a refund of a line can say how much of it was tax.
    """
    if not order.tax_from_provider or order.paid_at is not None:
        return False
    if not isinstance(tax_cents, int) or isinstance(tax_cents, bool) or tax_cents < 0:
        return False
    if tax_cents == order.tax_cents:
        return False
    lines = list(order.lines)
    weights = [line.line_total_cents for line in lines] + [order.shipping_cents]
    shares = pricing.allocate_cents(tax_cents, weights) if tax_cents <= sum(weights) else [0] * len(weights)
    for line, share in zip(lines, shares, strict=False):
        line.tax_cents = share
        line.tax_rate_bp = None
    order.tax_cents = tax_cents
    order.total_cents = pricing.grand_total_cents(
        subtotal_cents=order.subtotal_cents,
        discount_cents=order.discount_cents,
        shipping_cents=order.shipping_cents,
        tax_cents=tax_cents,
    )
    add_event(
        order,
        actor=actor,
        kind="tax",
        note=f"Tax of {format_cents(tax_cents, order.currency)} computed by the payment provider; "
        f"the order's total is now {format_cents(order.total_cents, order.currency)}.",
    )
    return True
