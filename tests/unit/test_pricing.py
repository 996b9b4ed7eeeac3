"""The pricing rules as tables of integer cents: no app, no database."""

import pytest

from shop import pricing
from shop.pricing import PricedLine

FLAT = 795
FREE_OVER = 15_000


def totals(*lines: PricedLine) -> pricing.OrderTotals:
    return pricing.order_totals(lines, flat_rate_cents=FLAT, free_over_cents=FREE_OVER)


def physical(unit: int, quantity: int = 1) -> PricedLine:
    return PricedLine(unit_price_cents=unit, quantity=quantity, is_physical=True)


def digital(unit: int, quantity: int = 1) -> PricedLine:
    return PricedLine(unit_price_cents=unit, quantity=quantity, is_physical=False)


@pytest.mark.parametrize(
    ("merchandise_cents", "expected_shipping"),
    [
        (0, FLAT),
        (1, FLAT),
        (14_999, FLAT),  # one cent below the threshold
        (15_000, 0),  # at the threshold: free
        (15_001, 0),  # above
        (1_000_000, 0),
    ],
)
def test_shipping_is_free_from_the_threshold(merchandise_cents: int, expected_shipping: int) -> None:
    assert (
        pricing.shipping_cents(
            merchandise_cents,
            requires_shipping=True,
            flat_rate_cents=FLAT,
            free_over_cents=FREE_OVER,
        )
        == expected_shipping
    )


@pytest.mark.parametrize("merchandise_cents", [0, 14_999, 15_000])
def test_nothing_to_ship_costs_nothing(merchandise_cents: int) -> None:
    assert (
        pricing.shipping_cents(
            merchandise_cents,
            requires_shipping=False,
            flat_rate_cents=FLAT,
            free_over_cents=FREE_OVER,
        )
        == 0
    )


@pytest.mark.parametrize(
    ("lines", "subtotal", "shipping", "total", "remaining"),
    [
        # one cent below, at, above the threshold with physical goods only
        ([physical(14_999)], 14_999, FLAT, 14_999 + FLAT, 1),
        ([physical(7_500, 2)], 15_000, 0, 15_000, 0),
        ([physical(15_001)], 15_001, 0, 15_001, 0),
        # two hoodies and a tee: 2 × 68 + 32 = 168 → free
        ([physical(6_800, 2), physical(3_200)], 16_800, 0, 16_800, 0),
        # one hoodie: flat rate, 82.00 to go
        ([physical(6_800)], 6_800, FLAT, 6_800 + FLAT, 8_200),
    ],
)
def test_order_totals_around_the_threshold(
    lines: list[PricedLine], subtotal: int, shipping: int, total: int, remaining: int
) -> None:
    result = totals(*lines)

    assert result.subtotal_cents == subtotal
    assert result.shipping_cents == shipping
    assert result.total_cents == total
    assert result.free_shipping_remaining_cents == remaining
    assert result.requires_shipping is True


def test_digital_only_order_has_no_shipping_and_nothing_remaining() -> None:
    result = totals(digital(1_900), digital(1_400))

    assert result.requires_shipping is False
    assert result.shipping_cents == 0
    assert result.free_shipping_remaining_cents == 0
    assert result.merchandise_subtotal_cents == 0
    assert result.total_cents == 3_300
    assert result.has_free_shipping is False


def test_guides_never_buy_free_shipping() -> None:
    # given merchandise of $140 and guides that would take the subtotal past $150
    result = totals(physical(14_000), digital(1_900))

    # then shipping is charged on the merchandise alone
    assert result.subtotal_cents == 15_900
    assert result.merchandise_subtotal_cents == 14_000
    assert result.shipping_cents == FLAT
    assert result.free_shipping_remaining_cents == 1_000
    assert result.total_cents == 15_900 + FLAT


def test_mixed_cart_with_enough_merchandise_ships_free() -> None:
    result = totals(physical(15_000), digital(1_900))

    assert result.shipping_cents == 0
    assert result.has_free_shipping is True
    assert result.total_cents == 16_900


def test_empty_cart() -> None:
    result = totals()

    assert result == pricing.OrderTotals(
        subtotal_cents=0,
        discount_cents=0,
        merchandise_subtotal_cents=0,
        requires_shipping=False,
        shipping_cents=0,
        tax_cents=0,
        line_tax_cents=(),
        total_cents=0,
        free_shipping_threshold_cents=FREE_OVER,
        free_shipping_remaining_cents=0,
        free_shipping_progress_percent=0,
    )


def test_tax_is_added_to_the_total() -> None:
    result = pricing.order_totals(
        [physical(10_000)],
        flat_rate_cents=FLAT,
        free_over_cents=FREE_OVER,
        tax_rate=pricing.TaxRate(rate_bp=825, digital_taxable=False),
    )

    assert result.tax_cents == 825
    assert result.total_cents == 10_000 + FLAT + 825


@pytest.mark.parametrize(
    ("merchandise_cents", "percent"),
    [(0, 0), (1, 0), (7_500, 50), (14_999, 99), (15_000, 100), (40_000, 100)],
)
def test_progress_percent_rounds_down_and_caps(merchandise_cents: int, percent: int) -> None:
    assert pricing.free_shipping_progress_percent(merchandise_cents, free_over_cents=FREE_OVER) == percent


@pytest.mark.parametrize(
    "bad",
    [
        {"unit_price_cents": 10.5, "quantity": 1},
        {"unit_price_cents": 100, "quantity": 1.0},
        {"unit_price_cents": True, "quantity": 1},
        {"unit_price_cents": -1, "quantity": 1},
        {"unit_price_cents": 100, "quantity": -1},
    ],
)
def test_lines_refuse_floats_and_negatives(bad: dict[str, object]) -> None:
    with pytest.raises((TypeError, ValueError)):
        PricedLine(is_physical=True, **bad)  # type: ignore[arg-type]


def test_threshold_is_a_knob_not_a_constant() -> None:
    result = pricing.order_totals([physical(5_000)], flat_rate_cents=500, free_over_cents=5_000)

    assert result.shipping_cents == 0


@pytest.mark.parametrize(
    ("total", "count", "average"), [(1_000, 3, 333), (2_000, 3, 667), (1, 2, 1), (0, 5, 0), (500, 0, None)]
)
def test_the_average_order_value_rounds_half_up_and_needs_an_order(
    total: int, count: int, average: int | None
) -> None:
    assert pricing.average_cents(total, count) == average
