"""A line's net as the payment page charges it (docs/rules.md#discounts rule 10): pairs of quantity and
unit amount that add up to the net exactly."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop import pricing


@pytest.mark.parametrize(
    ("net", "quantity", "units"),
    [
        (6_120, 1, [(1, 6_120)]),
        (12_240, 2, [(2, 6_120)]),
        (8_533, 3, [(2, 2_844), (1, 2_845)]),
        (1, 3, [(2, 0), (1, 1)]),
        (0, 2, [(2, 0)]),
    ],
)
def test_a_net_that_does_not_divide_becomes_two_items(net: int, quantity: int, units: list) -> None:
    assert pricing.payment_units(net, quantity) == units


@pytest.mark.parametrize(("net", "quantity"), [(-1, 1), (100, 0), (100, -2)])
def test_impossible_lines_are_refused(net: int, quantity: int) -> None:
    with pytest.raises(ValueError):
        pricing.payment_units(net, quantity)


@given(net=st.integers(min_value=0, max_value=10_000_000), quantity=st.integers(min_value=1, max_value=1_000))
def test_the_items_always_add_up_to_the_net(net: int, quantity: int) -> None:
    units = pricing.payment_units(net, quantity)

    assert sum(count * unit for count, unit in units) == net
    assert sum(count for count, _ in units) == quantity
    assert len(units) <= 2 and all(count > 0 for count, _ in units)
    assert max(unit for _, unit in units) - min(unit for _, unit in units) <= 1
