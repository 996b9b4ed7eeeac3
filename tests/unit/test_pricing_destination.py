"""Pure destination arithmetic (docs/rules.md#tax): the rate for a country or US state, when the state is
needed, the tax part of refunds and the one total formula."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shop import pricing

TABLE = {
    "US-NY": pricing.TaxRate(400, digital_taxable=False),
    "US": pricing.TaxRate(100, digital_taxable=False),
    "CA": pricing.TaxRate(500, digital_taxable=True),
}


@pytest.mark.parametrize(
    ("country", "state", "rate_bp"),
    [("US", "NY", 400), ("us", "ny", 400), ("US", "OR", 100), ("US", None, 100), ("CA", None, 500)],
)
def test_a_states_row_wins_over_its_countrys(country: str, state: str | None, rate_bp: int) -> None:
    assert pricing.tax_rate_for(TABLE, country, state).rate_bp == rate_bp


def test_a_destination_the_table_does_not_list_owes_no_tax() -> None:
    assert pricing.tax_rate_for(TABLE, "JP") is None
    assert pricing.tax_rate_for({}, "US", "NY") is None


def test_tax_waits_for_the_state_only_where_states_differ() -> None:
    assert pricing.tax_depends_on_state(TABLE, "US")
    assert not pricing.tax_depends_on_state(TABLE, "CA")


def test_a_refunds_tax_part_is_its_share_of_the_tax_left() -> None:
    # an order of $108.00 with $8.00 of tax, refunded $54.00 then the rest
    first = pricing.refund_tax_cents(amount_cents=5_400, left_cents=10_800, tax_left_cents=800)
    second = pricing.refund_tax_cents(amount_cents=5_400, left_cents=5_400, tax_left_cents=400)

    assert (first, second) == (400, 400)


def test_a_refund_after_a_line_refund_takes_the_tax_that_line_left() -> None:
    # $72.93 hoodie ($4.93 tax) + $19.00 guide (no tax); the guide was refunded by line ($0 tax), so the
    # $72.93 left is all hoodie and carries all $4.93 of the tax
    assert pricing.refund_tax_cents(amount_cents=7_293, left_cents=7_293, tax_left_cents=493) == 493


@settings(deadline=None)  # no timing assertion: the machine is shared
@given(
    total=st.integers(min_value=1, max_value=10**7),
    tax_share=st.integers(min_value=0, max_value=100),
    cuts=st.lists(st.integers(min_value=0, max_value=10**7), max_size=6),
)
def test_refund_tax_parts_add_up_to_the_orders_tax_once_refunded_in_full(
    total: int, tax_share: int, cuts: list[int]
) -> None:
    tax = total * tax_share // 100
    points = sorted({0, total, *(cut % (total + 1) for cut in cuts)})

    parts = []
    for before, after in zip(points, points[1:], strict=False):
        part = pricing.refund_tax_cents(
            amount_cents=after - before, left_cents=total - before, tax_left_cents=tax - sum(parts)
        )
        assert 0 <= part <= after - before
        parts.append(part)

    assert sum(parts) == tax


def test_refund_tax_refuses_a_refund_over_what_is_left() -> None:
    with pytest.raises(ValueError):
        pricing.refund_tax_cents(amount_cents=500, left_cents=400, tax_left_cents=100)


def test_the_total_is_subtotal_less_discount_plus_shipping_plus_tax() -> None:
    assert (
        pricing.grand_total_cents(
            subtotal_cents=10_000, discount_cents=1_000, shipping_cents=1_495, tax_cents=450
        )
        == 10_945
    )
