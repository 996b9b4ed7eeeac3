"""Formatting integer cents for people: the `money` template filter."""

from shop.whole_numbers import is_ascii_digits

CURRENCY_SYMBOLS = {"usd": "$", "cad": "$", "aud": "$", "eur": "€", "gbp": "£"}


def format_cents(amount_cents: int, currency: str = "usd") -> str:
    """1234550 → "$12,345.50"; negative amounts get a leading minus ("-$5.00")."""
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool):
        raise TypeError(f"money is integer cents, got {type(amount_cents).__name__}")
    sign = "-" if amount_cents < 0 else ""
    dollars, cents = divmod(abs(amount_cents), 100)
    symbol = CURRENCY_SYMBOLS.get(currency.lower())
    if symbol is None:
        return f"{sign}{dollars:,}.{cents:02d} {currency.upper()}"
    return f"{sign}{symbol}{dollars:,}.{cents:02d}"


def format_cents_short(amount_cents: int, currency: str = "usd") -> str:
    """Like format_cents, but whole amounts drop the cents: 15000 → "$150" (for banners)."""
    formatted = format_cents(amount_cents, currency)
    return formatted.replace(".00", "", 1) if amount_cents % 100 == 0 else formatted


def decimal_amount(amount_cents: int) -> str:
    """Cents as a plain decimal, no symbol or separators, as staff type amounts and machines read them
    (CSV, schema.org): 1250 → "12.50", 5 → "0.05", -5 → "-0.05". The inverse of parse_amount_to_cents."""
    sign = "-" if amount_cents < 0 else ""
    dollars, cents = divmod(abs(amount_cents), 100)
    return f"{sign}{dollars}.{cents:02d}"


def format_basis_points(rate_bp: int) -> str:
    """A rate in basis points as a percentage, trailing zeros dropped: 825 → "8.25%", 700 → "7%"."""
    whole, fraction = divmod(rate_bp, 100)
    return f"{whole}.{fraction:02d}".rstrip("0").rstrip(".") + "%"


def parse_amount_to_cents(text: str, *, max_cents: int = 100_000_000) -> int:
    """Staff-entered amounts ("68", "68.5", "$1,234.50") to integer cents, without floats.

    Raises ValueError with a message fit for the form on anything else (negative, 3 decimals, words).
    """
    cleaned = text.strip().replace(",", "").removeprefix("$").strip()
    whole, _, fraction = cleaned.partition(".")
    has_point = "." in cleaned
    if (
        not is_ascii_digits(whole)
        or len(whole) > 9
        or (has_point and (not is_ascii_digits(fraction) or len(fraction) > 2))
    ):
        raise ValueError("Enter an amount like 68 or 68.50.")
    cents = int(whole) * 100 + int(fraction.ljust(2, "0") or 0)
    if cents > max_cents:
        raise ValueError("That amount is too large.")
    return cents


def parse_percent_to_basis_points(text: str) -> int:
    """Staff-entered percentages ("10", "12.5", "7.25%") to basis points, without floats: "12.5" → 1250.

    Raises ValueError with a message fit for the form on anything else (negative, 3 decimals, words).
    The range a percentage may take is the caller's rule.
    """
    cleaned = text.strip().removesuffix("%").strip()
    whole, _, fraction = cleaned.partition(".")
    if (
        not is_ascii_digits(whole)
        or len(whole) > 5
        or ("." in cleaned and (not is_ascii_digits(fraction) or len(fraction) > 2))
    ):
        raise ValueError("Enter a percentage like 10 or 12.5, without a minus sign.")
    return int(whole) * 100 + int(fraction.ljust(2, "0") or 0)
