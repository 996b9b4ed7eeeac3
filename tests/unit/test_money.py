"""Money formatting: the only way cents reach a page."""

import pytest

from shop.money import format_cents, format_cents_short


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (0, "$0.00"),
        (5, "$0.05"),
        (795, "$7.95"),
        (15_000, "$150.00"),
        (123_450, "$1,234.50"),
        (-500, "-$5.00"),
    ],
)
def test_format_cents(cents: int, text: str) -> None:
    assert format_cents(cents) == text


def test_other_currencies_show_their_code_or_symbol() -> None:
    assert format_cents(1_000, "eur") == "€10.00"
    assert format_cents(1_000, "sek") == "10.00 SEK"


def test_short_format_drops_zero_cents_only() -> None:
    assert format_cents_short(15_000) == "$150"
    assert format_cents_short(15_050) == "$150.50"


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        format_cents(10.5)  # type: ignore[arg-type]
