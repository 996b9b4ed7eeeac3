"""Names for the ISO country codes a shop may ship to (SHIPPING_COUNTRIES picks which)."""

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
    return COUNTRY_NAMES.get(code or "", code or "")
