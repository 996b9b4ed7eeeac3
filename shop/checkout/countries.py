"""Names for the ISO country codes a shop may ship to (SHIPPING_COUNTRIES picks which)."""

from shop.country_codes import COUNTRY_NAMES as ALL_COUNTRY_NAMES

COUNTRY_NAMES = {
    "AT": "Austria",
    "AU": "Australia",
    "BE": "Belgium",
    "CA": "Canada",
    "CH": "Switzerland",
    "DE": "Germany",
    "DK": "Denmark",
    "ES": "Spain",
    "FI": "Finland",
    "FR": "France",
    "GB": "United Kingdom",
    "IE": "Ireland",
    "IT": "Italy",
    "JP": "Japan",
    "NL": "Netherlands",
    "NO": "Norway",
    "NZ": "New Zealand",
    "PT": "Portugal",
    "SE": "Sweden",
    "US": "United States",
}


def country_choices(codes: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    return [(code, COUNTRY_NAMES.get(code, code)) for code in codes]


def country_name(code: str | None) -> str:
    return COUNTRY_NAMES.get(code or "") or ALL_COUNTRY_NAMES.get(code or "", code or "")


def every_country_choice() -> list[tuple[str, str]]:
    """Every ISO country by name: where a digital-only buyer may be."""
    return sorted(((code, name) for code, name in ALL_COUNTRY_NAMES.items()), key=lambda pair: pair[1])
