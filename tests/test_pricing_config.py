"""Shipping zones and the tax table from settings (docs/rules.md#shipping-zones, docs/rules.md#tax): parsed
once at start-up, and a setting that cannot be right stops the app with a message naming it."""

import pytest

from shop import pricing
from shop.pricing_config import PricingConfigError, parse_shipping_zones, parse_tax_table
from tests.conftest import build_app
from tests.pricing_knobs import KNOBS

COUNTRIES = ("US", "CA", "GB", "DE")


def zones(raw: str, *, countries: tuple[str, ...] = COUNTRIES) -> tuple[pricing.ShippingZone, ...]:
    return parse_shipping_zones(
        raw,
        domestic_country="US",
        flat_rate_cents=795,
        free_over_cents=15_000,
        shipping_countries=countries,
    )


def test_the_default_zones_are_domestic_canada_and_every_other_country() -> None:
    by_country = {code: pricing.zone_for_country(code, KNOBS.zones) for code in KNOBS.shipping_countries}

    assert (by_country["US"].rate_cents, by_country["US"].free_over_cents) == (795, 15_000)
    assert (by_country["CA"].rate_cents, by_country["CA"].free_over_cents) == (1_495, 25_000)
    for code in set(KNOBS.shipping_countries) - {"US", "CA"}:
        assert (by_country[code].rate_cents, by_country[code].free_over_cents) == (2_495, None)


def test_the_domestic_zone_follows_the_flat_rate_and_threshold_settings() -> None:
    parsed = parse_shipping_zones(
        "rest:*:2495:never",
        domestic_country="US",
        flat_rate_cents=500,
        free_over_cents=9_000,
        shipping_countries=("US", "GB"),
    )

    assert parsed[0] == pricing.ShippingZone("domestic", frozenset({"US"}), 500, 9_000)


def test_zone_countries_are_read_in_any_case_and_never_free_is_spelled_out() -> None:
    parsed = zones("europe:gb de:1995:never;canada:CA:1495:25000")

    assert parsed[1] == pricing.ShippingZone("europe", frozenset({"GB", "DE"}), 1_995, None)
    assert parsed[2].free_over_cents == 25_000


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("canada:XX:1495:25000;rest:*:2495:never", "'XX' is not an ISO 3166-1 alpha-2 country code"),
        ("canada:CA:-1:25000;rest:*:2495:never", "whole number of cents"),
        ("canada:CA:14.95:25000;rest:*:2495:never", "whole number of cents"),
        ("canada:CA:1495:250.00;rest:*:2495:never", "whole number of cents"),
        ("canada:CA:1²:25000;rest:*:2495:never", "digits 0-9 only"),
        ("canada:CA:１４９５:25000;rest:*:2495:never", "digits 0-9 only"),
        ("canada:CA:1495:٢٥٠٠٠;rest:*:2495:never", "digits 0-9 only"),
        ("canada:CA:1495:25000;again:CA:995:never;rest:*:2495:never", "CA is in zone canada and zone again"),
        ("canada:US:1495:25000;rest:*:2495:never", "US is in zone domestic and zone canada"),
        ("canada:CA:1495:25000", "no zone for GB, DE"),
        ("canada:CA:1495", "must be name:COUNTRIES:rate_cents:free_over_cents"),
        ("rest:*:2495:never;more:*:995:never", "zones rest and more both claim '*'"),
        ("canada:CA:1495:25000;canada:GB DE:2495:never", "the zone name 'canada' is used twice"),
    ],
)
def test_a_misconfigured_zone_is_refused_with_a_clear_message(raw: str, message: str) -> None:
    with pytest.raises(PricingConfigError, match="SHIPPING_ZONES") as refused:
        zones(raw)

    assert message in str(refused.value)


def test_a_shipping_country_that_is_not_a_country_is_refused() -> None:
    with pytest.raises(PricingConfigError, match="SHIPPING_COUNTRIES: 'UK' is not an ISO"):
        zones("rest:*:2495:never", countries=("US", "UK"))


def test_the_app_refuses_to_start_with_a_misconfigured_zone() -> None:
    with pytest.raises(PricingConfigError, match="SHIPPING_ZONES: no zone for GB"):
        build_app(SHIPPING_ZONES="canada:CA:1495:25000", SHIPPING_COUNTRIES=["US", "CA", "GB"])


def test_the_app_refuses_to_start_with_a_domestic_country_it_does_not_ship_to() -> None:
    with pytest.raises(PricingConfigError, match="DOMESTIC_COUNTRY CA must be one of SHIPPING_COUNTRIES"):
        build_app(DOMESTIC_COUNTRY="CA", SHIPPING_COUNTRIES=["US"])


# --- the tax table ------------------------------------------------------------------------------------


def test_the_tax_table_reads_countries_us_states_and_the_digital_flag() -> None:
    table = parse_tax_table(" us-ny:400 , CA:500:digital, GB:2000:DIGITAL ")

    assert dict(table) == {
        "US-NY": pricing.TaxRate(400, digital_taxable=False),
        "CA": pricing.TaxRate(500, digital_taxable=True),
        "GB": pricing.TaxRate(2000, digital_taxable=True),
    }


def test_the_default_tax_table_is_parsed_at_start_up() -> None:
    assert KNOBS.tax_table["CA"] == pricing.TaxRate(500, digital_taxable=True)
    assert KNOBS.tax_table["US-NY"].rate_bp == 400


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("CA:-500", "whole number of basis points"),
        ("CA:5.5", "whole number of basis points"),
        ("CA:72²", "digits 0-9 only"),
        ("CA:٧٢٥", "digits 0-9 only"),
        ("CA:５００", "digits 0-9 only"),
        ("CA:10001", "over 100%"),
        ("XX:500", "'XX' is not an ISO 3166-1 alpha-2 country code"),
        ("US-ZZ:500", "'US-ZZ' is not a region the table knows"),
        ("CA-ON:500", "'CA-ON' is not a region the table knows"),
        ("CA:500,ca:600", "CA is listed twice"),
        ("CA:500:yes", "must be REGION:rate_bp or REGION:rate_bp:digital"),
        ("CA", "must be REGION:rate_bp or REGION:rate_bp:digital"),
    ],
)
def test_a_bad_tax_table_is_refused_with_a_clear_message(raw: str, message: str) -> None:
    with pytest.raises(PricingConfigError, match="TAX_RATES") as refused:
        parse_tax_table(raw)

    assert message in str(refused.value)


def test_the_app_refuses_to_start_with_a_negative_tax_rate() -> None:
    with pytest.raises(PricingConfigError, match="TAX_RATES: US-NY's rate"):
        build_app(TAX_RATES="US-NY:-400")
