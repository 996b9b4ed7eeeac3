"""Discount allocation, shipping zones and tax as tables of integer cents, plus properties (Hypothesis)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop import pricing
from shop.pricing import DiscountTerms, PricedLine, ShippingZone, TaxRate

TEN_PERCENT = DiscountTerms(percent_bp=1_000)


def physical(unit: int, quantity: int = 1) -> PricedLine:
    return PricedLine(unit_price_cents=unit, quantity=quantity, is_physical=True)


def digital(unit: int, quantity: int = 1) -> PricedLine:
    return PricedLine(unit_price_cents=unit, quantity=quantity, is_physical=False)


@pytest.mark.parametrize(
    ("numerator", "denominator", "rounded"),
    [(0, 4, 0), (1, 4, 0), (2, 4, 1), (3, 4, 1), (5, 2, 3), (7, 2, 4), (10, 5, 2)],
)
def test_round_half_up(numerator: int, denominator: int, rounded: int) -> None:
    assert pricing.round_half_up(numerator, denominator) == rounded


@pytest.mark.parametrize(
    ("eligible", "terms", "expected"),
    [
        (16_000, TEN_PERCENT, 1_600),
        (995, TEN_PERCENT, 100),  # 99.5 rounds half up
        (994, TEN_PERCENT, 99),
        (0, TEN_PERCENT, 0),
        (5_000, DiscountTerms(percent_bp=10_000), 5_000),  # 100% off
        (5_000, DiscountTerms(amount_cents=500), 500),
        (300, DiscountTerms(amount_cents=500), 300),  # never more than the goods cost
    ],
)
def test_discount_total(eligible: int, terms: DiscountTerms, expected: int) -> None:
    assert pricing.discount_total_cents(eligible, terms) == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"percent_bp": 1_000, "amount_cents": 100},
        {"percent_bp": 0},
        {"percent_bp": 10_001},
        {"percent_bp": -5},
        {"amount_cents": 0},
        {"amount_cents": -100},
    ],
)
def test_impossible_discount_terms_are_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        DiscountTerms(**kwargs)


@pytest.mark.parametrize(
    ("total", "weights", "shares"),
    [
        (100, [100, 100, 100], [34, 33, 33]),  # the tie goes to the earliest line
        (10, [3_200, 6_800], [3, 7]),
        (1, [0, 500, 500], [0, 1, 0]),
        (0, [100, 200], [0, 0]),
        (300, [100, 200], [100, 200]),  # everything off: each line to zero, not below
        (0, [], []),
    ],
)
def test_allocation_by_largest_remainder(total: int, weights: list[int], shares: list[int]) -> None:
    assert pricing.allocate_cents(total, weights) == shares


def test_cannot_allocate_more_than_the_lines_cost() -> None:
    with pytest.raises(ValueError):
        pricing.allocate_cents(301, [100, 200])


def test_only_eligible_lines_carry_the_discount() -> None:
    lines = pricing.apply_discount(
        [physical(6_800), digital(1_900), physical(3_200)], [True, False, True], TEN_PERCENT
    )

    assert [line.discount_cents for line in lines] == [680, 0, 320]
    assert pricing.discount_cents(lines) == 1_000


def test_a_line_discount_cannot_exceed_the_line() -> None:
    with pytest.raises(ValueError):
        PricedLine(unit_price_cents=100, quantity=1, is_physical=True, discount_cents=101)


def test_free_shipping_counts_merchandise_after_its_discount() -> None:
    # A $160 hoodie order with 10% off is $144 of merchandise: below $150, so it pays shipping.
    lines = pricing.apply_discount([physical(8_000, 2)], [True], TEN_PERCENT)
    result = pricing.order_totals(lines, flat_rate_cents=795, free_over_cents=15_000)

    assert result.subtotal_cents == 16_000
    assert result.discount_cents == 1_600
    assert result.merchandise_subtotal_cents == 14_400
    assert result.shipping_cents == 795
    assert result.free_shipping_remaining_cents == 600
    assert result.total_cents == 16_000 - 1_600 + 795


ZONES = (
    ShippingZone("United States", frozenset({"US"}), 795, 15_000),
    ShippingZone("Canada", frozenset({"CA"}), 1_495, 25_000),
    ShippingZone("International", frozenset(), 2_495, None),
)


@pytest.mark.parametrize(
    ("country", "zone_name"), [("US", "United States"), ("ca", "Canada"), ("DE", "International")]
)
def test_zone_for_country(country: str, zone_name: str) -> None:
    zone = pricing.zone_for_country(country, ZONES)
    assert zone is not None and zone.name == zone_name


def test_no_catch_all_zone_means_no_shipping_there() -> None:
    assert pricing.zone_for_country("DE", ZONES[:2]) is None


@pytest.mark.parametrize(
    ("country", "merchandise", "shipping", "remaining"),
    [
        ("US", 14_999, 795, 1),
        ("US", 15_000, 0, 0),
        ("CA", 24_999, 1_495, 1),
        ("CA", 25_000, 0, 0),
        ("DE", 1_000_000, 2_495, 0),  # never free, and no "add more" nudge
    ],
)
def test_each_zone_has_its_own_rate_and_threshold(
    country: str, merchandise: int, shipping: int, remaining: int
) -> None:
    zone = pricing.zone_for_country(country, ZONES)
    assert zone is not None
    result = pricing.order_totals(
        [physical(merchandise)], flat_rate_cents=zone.rate_cents, free_over_cents=zone.free_over_cents
    )
    assert result.shipping_cents == shipping
    assert result.free_shipping_remaining_cents == remaining


@pytest.mark.parametrize(
    ("line", "rate", "tax"),
    [
        (physical(1_000), TaxRate(825, digital_taxable=False), 83),  # 82.5 rounds half up
        (physical(999), TaxRate(825, digital_taxable=False), 82),  # 82.4175
        (digital(1_900), TaxRate(825, digital_taxable=False), 0),
        (digital(1_900), TaxRate(825, digital_taxable=True), 157),  # 156.75
        (physical(1_000), None, 0),
        (
            PricedLine(unit_price_cents=1_000, quantity=2, is_physical=True, discount_cents=200),
            TaxRate(1_000, digital_taxable=False),
            180,  # tax on what is paid after the discount
        ),
    ],
)
def test_tax_per_line(line: PricedLine, rate: TaxRate | None, tax: int) -> None:
    assert pricing.line_tax_cents(line, rate) == tax


def test_tax_is_rounded_per_line_not_on_the_sum() -> None:
    # Two lines of 82.5 cents of tax each: 83 + 83, where rounding the sum would give 165.
    result = pricing.order_totals(
        [physical(1_000), physical(1_000)],
        flat_rate_cents=0,
        free_over_cents=None,
        tax_rate=TaxRate(825, digital_taxable=False),
    )
    assert result.line_tax_cents == (83, 83)
    assert result.tax_cents == 166


@pytest.mark.parametrize("rate_bp", [-1, 10_001])
def test_impossible_tax_rates_are_refused(rate_bp: int) -> None:
    with pytest.raises(ValueError):
        TaxRate(rate_bp, digital_taxable=False)


# --- Properties ------------------------------------------------------------------------------------

lines_strategy = st.lists(
    st.builds(
        PricedLine,
        unit_price_cents=st.integers(min_value=0, max_value=500_000),
        quantity=st.integers(min_value=1, max_value=10),
        is_physical=st.booleans(),
    ),
    min_size=1,
    max_size=8,
)
terms_strategy = st.one_of(
    st.builds(DiscountTerms, percent_bp=st.integers(min_value=1, max_value=10_000)),
    st.builds(DiscountTerms, amount_cents=st.integers(min_value=1, max_value=10_000_000)),
)


@given(lines=lines_strategy, terms=terms_strategy, data=st.data())
def test_line_discounts_add_up_and_nothing_goes_negative(
    lines: list[PricedLine], terms: DiscountTerms, data: st.DataObject
) -> None:
    eligible = data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
    discounted = pricing.apply_discount(lines, eligible, terms)
    eligible_cents = sum(line.gross_cents for line, ok in zip(lines, eligible, strict=True) if ok)

    assert pricing.discount_cents(discounted) == pricing.discount_total_cents(eligible_cents, terms)
    for before, after, ok in zip(lines, discounted, eligible, strict=True):
        assert 0 <= after.total_cents <= before.gross_cents
        if not ok:
            assert after.discount_cents == 0

    result = pricing.order_totals(
        discounted,
        flat_rate_cents=795,
        free_over_cents=15_000,
        tax_rate=TaxRate(data.draw(st.integers(min_value=0, max_value=2_000)), digital_taxable=True),
    )
    assert result.total_cents >= 0
    assert result.total_cents == (
        result.subtotal_cents - result.discount_cents + result.shipping_cents + result.tax_cents
    )
    assert result.merchandise_subtotal_cents >= 0


@given(
    total=st.integers(min_value=0, max_value=10**9),
    weights=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=12),
)
def test_allocation_is_exact_and_capped(total: int, weights: list[int]) -> None:
    total = min(total, sum(weights))
    shares = pricing.allocate_cents(total, weights)

    assert sum(shares) == total
    assert all(0 <= share <= weight for share, weight in zip(shares, weights, strict=True))
