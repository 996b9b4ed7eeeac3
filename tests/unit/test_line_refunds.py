"""Refunds by lines, the arithmetic (docs/rules.md#refunds rule 8): units of a line give back their share
of its net (after its discount) and its tax; the last unit takes the remainder, so a line refunded in any
number of parts gives back exactly its net and its tax, never more."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shop import pricing


def refund(quantity: int, net: int, tax: int, before: int, now: int) -> tuple[int, int]:
    result = pricing.line_refund(
        quantity=quantity, net_cents=net, tax_cents=tax, refunded_quantity=before, refund_quantity=now
    )
    return result.net_cents, result.tax_cents


@pytest.mark.parametrize(
    ("quantity", "net", "tax", "before", "now", "expected"),
    [
        # the review's hoodie: $68.00 at 7.25% = $4.93, refunded whole
        (1, 6_800, 493, 0, 1, (6_800, 493)),
        # the untaxed guide gives back no tax
        (1, 1_900, 0, 0, 1, (1_900, 0)),
        # three units of $10.00 less a $1.00 discount, $1.46 tax: units round down, the last takes the rest
        (3, 2_900, 146, 0, 1, (966, 48)),
        (3, 2_900, 146, 1, 1, (967, 49)),
        (3, 2_900, 146, 2, 1, (967, 49)),
        (3, 2_900, 146, 0, 3, (2_900, 146)),
        (3, 2_900, 146, 1, 2, (1_934, 98)),
        # nothing asked, nothing given
        (2, 1_000, 50, 1, 0, (0, 0)),
        # a line discounted to nothing gives nothing back
        (2, 0, 0, 0, 2, (0, 0)),
    ],
)
def test_units_give_back_their_share_of_the_lines_net_and_tax(
    quantity: int, net: int, tax: int, before: int, now: int, expected: tuple[int, int]
) -> None:
    assert refund(quantity, net, tax, before, now) == expected


@pytest.mark.parametrize(
    ("quantity", "before", "now"),
    [(2, 0, 3), (2, 2, 1), (2, 1, 2), (0, 0, 0)],
)
def test_no_more_units_than_are_left(quantity: int, before: int, now: int) -> None:
    with pytest.raises(ValueError, match="left to refund"):
        refund(quantity, 1_000, 50, before, now)


@pytest.mark.parametrize(
    "arguments",
    [
        {"refund_quantity": -1},
        {"refunded_quantity": -1},
        {"net_cents": -5},
        {"tax_cents": -1},
    ],
)
def test_negative_figures_are_refused(arguments: dict[str, int]) -> None:
    values = {
        "quantity": 2,
        "net_cents": 1_000,
        "tax_cents": 50,
        "refunded_quantity": 0,
        "refund_quantity": 1,
    }
    with pytest.raises(ValueError):
        pricing.line_refund(**(values | arguments))


def test_quantities_must_be_whole_numbers() -> None:
    with pytest.raises(TypeError):
        pricing.line_refund(
            quantity=2, net_cents=1_000, tax_cents=50, refunded_quantity=0, refund_quantity=True
        )


@settings(deadline=None)  # no timing assertion: the machine is shared
@given(
    quantity=st.integers(min_value=1, max_value=500),
    net=st.integers(min_value=0, max_value=10**8),
    tax_rate_bp=st.integers(min_value=0, max_value=10_000),
    parts=st.lists(st.integers(min_value=0, max_value=500), max_size=12),
)
def test_a_line_refunded_in_any_parts_gives_back_exactly_its_net_and_tax(
    quantity: int, net: int, tax_rate_bp: int, parts: list[int]
) -> None:
    tax = pricing.round_half_up(net * tax_rate_bp, pricing.BASIS_POINTS)
    refunded = given_net = given_tax = 0
    for part in [*parts, quantity]:  # the last refund takes every unit still left
        units = min(part, quantity - refunded)
        net_now, tax_now = refund(quantity, net, tax, refunded, units)
        assert net_now >= 0 and tax_now >= 0
        refunded, given_net, given_tax = refunded + units, given_net + net_now, given_tax + tax_now
        assert given_net <= net and given_tax <= tax

    assert refunded == quantity
    assert (given_net, given_tax) == (net, tax)
