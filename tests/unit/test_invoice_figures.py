"""An invoice's tax by rate (pricing.tax_by_rate), and rates as percentages (format_basis_points)."""

import pytest

from shop import pricing
from shop.money import format_basis_points


def test_tax_is_grouped_by_rate_lowest_first() -> None:
    lines = [(825, 264), (500, 90), (825, 150), (None, 0), (0, 0)]

    assert pricing.tax_by_rate(lines, 504) == [(500, 90), (825, 414)]


def test_tax_the_lines_do_not_explain_is_one_group_without_a_rate() -> None:
    # a provider that reports one tax figure for the whole order
    assert pricing.tax_by_rate([(None, 0), (None, 0)], 733) == [(None, 733)]
    assert pricing.tax_by_rate([(825, 264)], 300) == [(825, 264), (None, 36)]


def test_no_tax_no_groups() -> None:
    assert pricing.tax_by_rate([(None, 0)], 0) == []


def test_a_negative_or_fractional_line_tax_is_refused() -> None:
    with pytest.raises(ValueError):
        pricing.tax_by_rate([(825, -1)], 0)
    with pytest.raises(TypeError):
        pricing.tax_by_rate([(825, 1.5)], 0)  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("rate_bp", "text"), [(825, "8.25%"), (700, "7%"), (1000, "10%"), (5, "0.05%"), (750, "7.5%"), (0, "0%")]
)
def test_rates_read_as_percentages(rate_bp: int, text: str) -> None:
    assert format_basis_points(rate_bp) == text
