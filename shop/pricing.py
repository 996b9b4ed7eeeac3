"""Pure price arithmetic in integer cents: discounts, subtotals, shipping by zone, tax and order totals.

Standard library only: no Flask, no models, no config. Callers pass the shop's knobs in.

Rounding, once and in one place each:
- a percentage discount is rounded half up on the eligible amount, then spread over the eligible lines by
  largest remainder, so the line discounts add up to it exactly and no line goes below zero;
- tax is rounded half up once per line, on the line's amount after its discount;
- a refund by lines splits a line's net and tax over its units, each running total rounded down (the last unit
  takes the remainder); a refund by amount takes the tax left in proportion to the money left, half up.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

BASIS_POINTS = 10_000  # 100% in basis points
# Stripe refuses to charge a card less than $0.50 (its minimum charge for USD), so a total of 1-49 cents
# could never be paid: its payment page would fail to open every time. The development provider follows
# the same rule, so a shop without keys behaves as it will in production. $0.00 needs no payment at all.
MIN_CARD_CHARGE_CENTS = 50


def _check_cents(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")


def below_card_minimum(total_cents: int) -> bool:
    """Whether an order's total is above $0.00 yet under the smallest card charge: it can be neither
    skipped nor paid."""
    _check_cents("total_cents", total_cents)
    return 0 < total_cents < MIN_CARD_CHARGE_CENTS


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest int, halves up (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True)
class PricedLine:
    """One line of a cart or order, priced from the database at the moment of calculation.

    `discount_cents` is this line's share of the order's discount (shop.pricing.apply_discount).
    """

    unit_price_cents: int
    quantity: int
    is_physical: bool
    discount_cents: int = 0

    def __post_init__(self) -> None:
        for name in ("unit_price_cents", "quantity", "discount_cents"):
            _check_cents(name, getattr(self, name))
        if self.discount_cents > self.gross_cents:
            raise ValueError(
                f"a line's discount ({self.discount_cents}) cannot exceed its price ({self.gross_cents})"
            )

    @property
    def gross_cents(self) -> int:
        """Unit price × quantity, before any discount."""
        return self.unit_price_cents * self.quantity

    @property
    def total_cents(self) -> int:
        """What the line costs after its discount."""
        return self.gross_cents - self.discount_cents


# --- Discounts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiscountTerms:
    """What a code takes off: a percentage in basis points (1000 = 10%) or a fixed amount, never both."""

    percent_bp: int | None = None
    amount_cents: int | None = None

    def __post_init__(self) -> None:
        if (self.percent_bp is None) == (self.amount_cents is None):
            raise ValueError("a discount is either a percentage or an amount")
        if self.percent_bp is not None:
            _check_cents("percent_bp", self.percent_bp)
            if not 0 < self.percent_bp <= BASIS_POINTS:
                raise ValueError(f"a percentage must be between 0.01% and 100%, got {self.percent_bp} bp")
        if self.amount_cents is not None:
            _check_cents("amount_cents", self.amount_cents)
            if self.amount_cents == 0:
                raise ValueError("a fixed discount must be more than zero")


def discount_total_cents(eligible_cents: int, terms: DiscountTerms) -> int:
    """The discount on `eligible_cents` of eligible goods: never more than they cost."""
    _check_cents("eligible_cents", eligible_cents)
    if terms.percent_bp is not None:
        return round_half_up(eligible_cents * terms.percent_bp, BASIS_POINTS)
    return min(terms.amount_cents or 0, eligible_cents)


def allocate_cents(total_cents: int, weights: Sequence[int]) -> list[int]:
    """Split `total_cents` over `weights` in proportion, by largest remainder.

    The parts add up to `total_cents` exactly and no part exceeds its weight (so `total_cents` may not
    exceed the sum of the weights). Ties in the remainder go to the earlier weight.
    """
    _check_cents("total_cents", total_cents)
    for weight in weights:
        _check_cents("weight", weight)
    whole = sum(weights)
    if total_cents > whole:
        raise ValueError(f"cannot take {total_cents} out of {whole}")
    if total_cents == 0:
        return [0] * len(weights)
    shares = [total_cents * weight // whole for weight in weights]
    remainders = [total_cents * weight % whole for weight in weights]
    left = total_cents - sum(shares)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        shares[index] += 1
    return shares


def apply_discount(
    lines: Sequence[PricedLine], eligible: Sequence[bool], terms: DiscountTerms
) -> list[PricedLine]:
    """The lines with the discount spread over the eligible ones (others unchanged).

    Any discount the lines already carry is replaced: one code per order.
    """
    if len(lines) != len(eligible):
        raise ValueError("one eligibility flag per line")
    weights = [line.gross_cents if ok else 0 for line, ok in zip(lines, eligible, strict=True)]
    shares = allocate_cents(discount_total_cents(sum(weights), terms), weights)
    return [replace(line, discount_cents=share) for line, share in zip(lines, shares, strict=True)]


def payment_units(net_cents: int, quantity: int) -> list[tuple[int, int]]:
    """A line's net amount as (quantity, unit amount) pairs a payment page can charge, adding up to
    `net_cents` exactly: one pair when the net divides by the quantity, else two (some units one cent
    dearer), e.g. 3 for 1000 → [(2, 333), (1, 334)]."""
    _check_cents("net_cents", net_cents)
    _check_cents("quantity", quantity)
    if quantity == 0:
        raise ValueError("a line has at least one unit")
    unit, extra = divmod(net_cents, quantity)
    if extra == 0:
        return [(quantity, unit)]
    return [(quantity - extra, unit), (extra, unit + 1)]


# --- Subtotals and shipping ------------------------------------------------------------------------


def subtotal_cents(lines: Iterable[PricedLine]) -> int:
    """Sum of unit price × quantity over every line, before discounts."""
    return sum(line.gross_cents for line in lines)


def discount_cents(lines: Iterable[PricedLine]) -> int:
    """The order's discount: the sum of its lines' discounts."""
    return sum(line.discount_cents for line in lines)


def merchandise_subtotal_cents(lines: Iterable[PricedLine]) -> int:
    """Physical lines only, after their discount: digital guides never count toward free shipping."""
    return sum(line.total_cents for line in lines if line.is_physical)


def requires_shipping(lines: Iterable[PricedLine]) -> bool:
    """An order ships when any line is a physical item."""
    return any(line.is_physical and line.quantity > 0 for line in lines)


@dataclass(frozen=True)
class ShippingZone:
    """Where the shop ships and on what terms. `countries` empty means every other country the shop
    ships to; `free_over_cents` None means shipping to the zone is never free."""

    name: str
    countries: frozenset[str]
    rate_cents: int
    free_over_cents: int | None

    def __post_init__(self) -> None:
        _check_cents("rate_cents", self.rate_cents)
        if self.free_over_cents is not None:
            _check_cents("free_over_cents", self.free_over_cents)


def zone_for_country(country: str, zones: Sequence[ShippingZone]) -> ShippingZone | None:
    """The zone that names the country, else the catch-all zone (no countries), else None."""
    country = country.upper()
    named = next((zone for zone in zones if country in zone.countries), None)
    if named is not None:
        return named
    return next((zone for zone in zones if not zone.countries), None)


def shipping_cents(
    merchandise_cents: int,
    *,
    requires_shipping: bool,
    flat_rate_cents: int,
    free_over_cents: int | None,
) -> int:
    """The shipping charge: none for digital-only orders, free from the threshold (when the zone has
    one), else the zone's rate.

    This is the one place the free-shipping rule lives; the threshold is inclusive ($150.00 ships free).
    """
    if not requires_shipping:
        return 0
    if free_over_cents is not None and merchandise_cents >= free_over_cents:
        return 0
    return flat_rate_cents


def free_shipping_remaining_cents(
    merchandise_cents: int, *, requires_shipping: bool, free_over_cents: int | None
) -> int:
    """How much more merchandise buys free shipping; 0 when it is already free, never free, or nothing
    ships."""
    if not requires_shipping or free_over_cents is None or merchandise_cents >= free_over_cents:
        return 0
    return free_over_cents - merchandise_cents


def free_shipping_progress_percent(merchandise_cents: int, *, free_over_cents: int | None) -> int:
    """Progress toward free shipping as a whole percent, 0..100, rounded down (100 only when reached);
    0 where shipping is never free."""
    if free_over_cents is None:
        return 0
    if free_over_cents <= 0 or merchandise_cents >= free_over_cents:
        return 100
    return merchandise_cents * 100 // free_over_cents


# --- Tax -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaxRate:
    """The sales tax of one destination: a rate in basis points (825 = 8.25%) and whether digital
    goods are taxed there. Shipping is not taxed."""

    rate_bp: int
    digital_taxable: bool

    def __post_init__(self) -> None:
        _check_cents("rate_bp", self.rate_bp)
        if self.rate_bp > BASIS_POINTS:
            raise ValueError(f"a tax rate over 100% is a mistake, got {self.rate_bp} bp")


def line_tax_cents(line: PricedLine, rate: TaxRate | None) -> int:
    """Tax on one line after its discount, rounded half up."""
    if rate is None or (not line.is_physical and not rate.digital_taxable):
        return 0
    return round_half_up(line.total_cents * rate.rate_bp, BASIS_POINTS)


def tax_by_rate(
    line_taxes: Iterable[tuple[int | None, int]], order_tax_cents: int
) -> list[tuple[int | None, int]]:
    """An invoice's tax, grouped: (rate in basis points, tax in cents) per rate, lowest rate first, from
    each line's (rate, tax); lines without tax are left out. Tax the order carries beyond its lines'
    (a provider that reports one figure for the order) is one more group, with rate None, so the groups
    always add up to `order_tax_cents`."""
    groups: dict[int, int] = {}
    for rate_bp, tax in line_taxes:
        _check_cents("tax_cents", tax)
        if tax and rate_bp is not None:
            groups[rate_bp] = groups.get(rate_bp, 0) + tax
    grouped: list[tuple[int | None, int]] = sorted(groups.items())
    unexplained = order_tax_cents - sum(groups.values())
    if unexplained:
        grouped.append((None, unexplained))
    return grouped


def state_region(country: str, state: str) -> str:
    """The tax table's key for a state of a country: ISO 3166-2 style, "US-NY"."""
    return f"{country.upper()}-{state.upper()}"


def tax_rate_for(table: Mapping[str, TaxRate], country: str, state: str | None = None) -> TaxRate | None:
    """The destination's rate from a tax table keyed by country ("CA") and by state ("US-NY"): the
    state's row, else the country's, else None (no tax owed there)."""
    if state:
        rate = table.get(state_region(country, state))
        if rate is not None:
            return rate
    return table.get(country.upper())


def tax_depends_on_state(table: Mapping[str, TaxRate], country: str) -> bool:
    """Whether the table taxes some of the country's states differently: then the state is needed
    before the tax is known."""
    prefix = f"{country.upper()}-"
    return any(region.startswith(prefix) for region in table)


def countries_taxed_by_state(table: Mapping[str, TaxRate]) -> frozenset[str]:
    """The countries whose states the table taxes differently: a buyer there is asked for the state."""
    return frozenset(region.split("-", 1)[0] for region in table if "-" in region)


def refund_tax_cents(*, amount_cents: int, left_cents: int, tax_left_cents: int) -> int:
    """The tax part of a refund of `amount_cents` (an amount typed by staff, or reported by the payment
    provider) on an order with `left_cents` not yet refunded, `tax_left_cents` of it tax: the tax still
    left in proportion to the money still left, rounded half up. A refund of all that is left takes all
    the tax left, so the parts add up to the order's tax exactly, whatever line refunds came between."""
    for name, value in (
        ("amount_cents", amount_cents),
        ("left_cents", left_cents),
        ("tax_left_cents", tax_left_cents),
    ):
        _check_cents(name, value)
    if amount_cents > left_cents or tax_left_cents > left_cents:
        raise ValueError("a refund takes at most what is left, and tax is part of what is left")
    if left_cents == 0:
        return 0
    return round_half_up(amount_cents * tax_left_cents, left_cents)


@dataclass(frozen=True)
class LineRefund:
    """What refunding some units of an order line gives back: its net (after the line's discount) and
    its tax."""

    net_cents: int
    tax_cents: int

    @property
    def total_cents(self) -> int:
        return self.net_cents + self.tax_cents


def line_refund(
    *, quantity: int, net_cents: int, tax_cents: int, refunded_quantity: int, refund_quantity: int
) -> LineRefund:
    """Refunding `refund_quantity` more units of a line of `quantity` units that cost `net_cents` after
    its discount plus `tax_cents`, `refunded_quantity` of them refunded before.

    Units share the line's net and tax in proportion, each running total rounded down, so the last unit
    takes the remainder: whatever the sequence of partial refunds, they add up to the line's net and tax
    exactly once every unit is refunded, and never to more.
    """
    for name, value in (
        ("quantity", quantity),
        ("net_cents", net_cents),
        ("tax_cents", tax_cents),
        ("refunded_quantity", refunded_quantity),
        ("refund_quantity", refund_quantity),
    ):
        _check_cents(name, value)
    if quantity == 0 or refunded_quantity + refund_quantity > quantity:
        raise ValueError(
            f"only {quantity - refunded_quantity} of the line's {quantity} unit(s) are left to refund"
        )
    after = refunded_quantity + refund_quantity

    def share(cents: int, units: int) -> int:
        return cents * units // quantity

    return LineRefund(
        net_cents=share(net_cents, after) - share(net_cents, refunded_quantity),
        tax_cents=share(tax_cents, after) - share(tax_cents, refunded_quantity),
    )


# --- Totals ----------------------------------------------------------------------------------------


def grand_total_cents(
    *, subtotal_cents: int, discount_cents: int, shipping_cents: int, tax_cents: int
) -> int:
    """total = subtotal − discount + shipping + tax: the one formula, also for a total whose tax a
    payment provider computed after the order was placed."""
    for name, value in (
        ("subtotal_cents", subtotal_cents),
        ("discount_cents", discount_cents),
        ("shipping_cents", shipping_cents),
        ("tax_cents", tax_cents),
    ):
        _check_cents(name, value)
    if discount_cents > subtotal_cents:
        raise ValueError("a discount cannot exceed the subtotal")
    return subtotal_cents - discount_cents + shipping_cents + tax_cents


@dataclass(frozen=True)
class OrderTotals:
    """Everything a cart, checkout or payment needs to show or charge, in cents.

    total = subtotal − discount + shipping + tax.
    """

    subtotal_cents: int
    discount_cents: int
    merchandise_subtotal_cents: int
    requires_shipping: bool
    shipping_cents: int
    tax_cents: int
    line_tax_cents: tuple[int, ...]
    total_cents: int
    free_shipping_threshold_cents: int | None
    free_shipping_remaining_cents: int
    free_shipping_progress_percent: int

    @property
    def has_free_shipping(self) -> bool:
        return self.requires_shipping and self.shipping_cents == 0


def order_totals(
    lines: Iterable[PricedLine],
    *,
    flat_rate_cents: int,
    free_over_cents: int | None,
    tax_rate: TaxRate | None = None,
) -> OrderTotals:
    """Totals for a cart or an order. The lines carry their discounts already (apply_discount);
    `flat_rate_cents` and `free_over_cents` are the destination zone's terms; tax is computed per line
    from `tax_rate` (None: no tax known yet, or a payment provider computes it later)."""
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
    discount = discount_cents(lines)
    taxes = tuple(line_tax_cents(line, tax_rate) for line in lines)
    return OrderTotals(
        subtotal_cents=subtotal,
        discount_cents=discount,
        merchandise_subtotal_cents=merchandise_cents,
        requires_shipping=ships,
        shipping_cents=shipping,
        tax_cents=sum(taxes),
        line_tax_cents=taxes,
        total_cents=grand_total_cents(
            subtotal_cents=subtotal,
            discount_cents=discount,
            shipping_cents=shipping,
            tax_cents=sum(taxes),
        ),
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
