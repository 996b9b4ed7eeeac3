"""Pure price arithmetic in integer cents: subtotals, the free-shipping rule and order totals.

Standard library only: no Flask, no models, no config. Callers pass the shop's knobs in.
"""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PricedLine:
    """One line of a cart or order, priced from the database at the moment of calculation."""

    unit_price_cents: int
    quantity: int
    is_physical: bool

    def __post_init__(self) -> None:
        for name in ("unit_price_cents", "quantity"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an int, got {type(value).__name__}")
            if value < 0:
                raise ValueError(f"{name} must not be negative, got {value}")

    @property
    def total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


@dataclass(frozen=True)
class OrderTotals:
    """Everything a cart, checkout or payment needs to show or charge, in cents."""

    subtotal_cents: int
    merchandise_subtotal_cents: int
    requires_shipping: bool
    shipping_cents: int
    tax_cents: int
    total_cents: int
    free_shipping_threshold_cents: int
    free_shipping_remaining_cents: int
    free_shipping_progress_percent: int

    @property
    def has_free_shipping(self) -> bool:
        return self.requires_shipping and self.shipping_cents == 0


def subtotal_cents(lines: Iterable[PricedLine]) -> int:
    """Sum of unit price × quantity (less line discounts) over every line."""
    return sum(line.total_cents for line in lines)


def merchandise_subtotal_cents(lines: Iterable[PricedLine]) -> int:
    """Subtotal of physical lines only: digital guides never count toward free shipping."""
    return sum(line.total_cents for line in lines if line.is_physical)


def requires_shipping(lines: Iterable[PricedLine]) -> bool:
    """An order ships when any line is a physical item."""
    return any(line.is_physical and line.quantity > 0 for line in lines)


def shipping_cents(
    merchandise_cents: int, *, requires_shipping: bool, flat_rate_cents: int, free_over_cents: int
) -> int:
    """The shipping charge: none for digital-only orders, free from the threshold, else the flat rate.

    This is the one place the free-shipping rule lives; the threshold is inclusive ($150.00 ships free).
    """
    if not requires_shipping:
        return 0
    if merchandise_cents >= free_over_cents:
        return 0
    return flat_rate_cents


def free_shipping_remaining_cents(
    merchandise_cents: int, *, requires_shipping: bool, free_over_cents: int
) -> int:
    """How much more merchandise buys free shipping; 0 when it is already free or nothing ships."""
    if not requires_shipping or merchandise_cents >= free_over_cents:
        return 0
    return free_over_cents - merchandise_cents


def free_shipping_progress_percent(merchandise_cents: int, *, free_over_cents: int) -> int:
    """Progress toward free shipping as a whole percent, 0..100, rounded down (100 only when reached)."""
    if free_over_cents <= 0 or merchandise_cents >= free_over_cents:
        return 100
    return merchandise_cents * 100 // free_over_cents


def order_totals(
    lines: Iterable[PricedLine],
    *,
    flat_rate_cents: int,
    free_over_cents: int,
    tax_cents: int = 0,
) -> OrderTotals:
    """Totals for a cart or an order: subtotal + shipping + tax (0 unless Stripe computes it)."""
    lines = list(lines)
    merchandise_cents = merchandise_subtotal_cents(lines)
    ships = requires_shipping(lines)
    shipping = shipping_cents(
        merchandise_cents,
        requires_shipping=ships,
        flat_rate_cents=flat_rate_cents,
        free_over_cents=free_over_cents,
    )
    subtotal = subtotal_cents(lines)
    return OrderTotals(
        subtotal_cents=subtotal,
        merchandise_subtotal_cents=merchandise_cents,
        requires_shipping=ships,
        shipping_cents=shipping,
        tax_cents=tax_cents,
        total_cents=subtotal + shipping + tax_cents,
        free_shipping_threshold_cents=free_over_cents,
        free_shipping_remaining_cents=free_shipping_remaining_cents(
            merchandise_cents, requires_shipping=ships, free_over_cents=free_over_cents
        ),
        free_shipping_progress_percent=free_shipping_progress_percent(
            merchandise_cents, free_over_cents=free_over_cents
        ),
    )


def average_cents(total_cents: int, count: int) -> int | None:
    """total / count in whole cents, rounded half up (the average order value); None when count is 0."""
    if count <= 0:
        return None
    return (total_cents * 2 + count) // (count * 2)
