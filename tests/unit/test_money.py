"""Money formatting: the only way cents reach a page."""

import pytest

from shop import money
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


@pytest.mark.parametrize(
    ("text", "cents"),
    [("68", 6_800), ("68.5", 6_850), ("68.50", 6_850), ("$1,234.50", 123_450), (" 0.99 ", 99), ("0", 0)],
)
def test_staff_amounts_parse_to_cents(text: str, cents: int) -> None:
    from shop.money import parse_amount_to_cents

    assert parse_amount_to_cents(text) == cents


@pytest.mark.parametrize("text", ["", "-1", "1.234", "1e3", "abc", "12.", ".5", "1 000", "9999999999"])
def test_bad_staff_amounts_are_refused(text: str) -> None:
    from shop.money import parse_amount_to_cents

    with pytest.raises(ValueError):
        parse_amount_to_cents(text)


@pytest.mark.parametrize(
    ("cents", "text"), [(0, "0.00"), (5, "0.05"), (1_250, "12.50"), (123_456, "1234.56"), (-5, "-0.05")]
)
def test_decimal_amount_is_plain_and_reads_back(cents: int, text: str) -> None:
    assert money.decimal_amount(cents) == text
    if cents >= 0:
        assert money.parse_amount_to_cents(text) == cents
