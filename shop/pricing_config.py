"""The pricing knobs from the shop's config, read in one place: the currency, shipping zones, the tax
table, the most of one item a cart may hold, and how long an order's stock is held for payment.

The zones and the tax table are parsed once, when the app starts (`init_app`); a setting that cannot be
right (an unknown country, a negative or fractional amount, a country in two zones, a country the shop
ships to with no zone) stops the app with a message naming the setting. Services take the parsed knobs as
plain values (shop/pricing.py never reads config).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from flask import Flask, current_app

from shop import pricing
from shop.country_codes import COUNTRY_CODES, US_STATES
from shop.whole_numbers import is_ascii_digits

EXTENSION_KEY = "shop.pricing_knobs"
# A zone without countries takes every country the shop ships to that no other zone names.
EVERY_OTHER_COUNTRY = "*"
NEVER_FREE = ("never", "none", "-", "")
DIGITAL_FLAG = "digital"


class PricingConfigError(RuntimeError):
    """A shipping zone or tax setting that cannot be right: the app refuses to start."""


@dataclass(frozen=True)
class Destination:
    """Where an order goes (or, for a digital-only order, where its buyer is), with the zone's shipping
    terms and the tax rate there. `zone` is None for a billing country the shop does not ship to;
    `tax_rate` None means no tax is owed there or none is known yet (`tax_needs_state`)."""

    country: str
    state: str | None
    zone: pricing.ShippingZone | None
    tax_rate: pricing.TaxRate | None
    # The country taxes its states differently and the state is not known yet (a cart's estimate).
    tax_needs_state: bool = False

    @property
    def ships_here(self) -> bool:
        return self.zone is not None


@dataclass(frozen=True)
class PricingKnobs:
    currency: str
    # The domestic zone's terms (FLAT_SHIPPING_CENTS, FREE_SHIPPING_THRESHOLD_CENTS).
    flat_rate_cents: int
    free_over_cents: int
    max_line_quantity: int
    reservation_minutes: int
    domestic_country: str = "US"
    shipping_countries: tuple[str, ...] = ("US",)
    zones: tuple[pricing.ShippingZone, ...] = ()
    tax_table: Mapping[str, pricing.TaxRate] = field(default_factory=lambda: MappingProxyType({}))

    def cart_knobs(self, destination: Destination | None = None) -> dict[str, Any]:
        """The keyword arguments a cart summary takes (shop.cart.services.get_cart_summary): the
        destination's zone and tax rate, or the domestic zone without tax."""
        zone = destination.zone if destination is not None else None
        return {
            "flat_rate_cents": zone.rate_cents if zone else self.flat_rate_cents,
            "free_over_cents": zone.free_over_cents if zone else self.free_over_cents,
            "max_line_quantity": self.max_line_quantity,
            "tax_rate": destination.tax_rate if destination is not None else None,
        }

    def ships_to(self, country: str) -> bool:
        return country in self.shipping_countries

    def destination(self, country: str, state: str | None = None) -> Destination:
        """The zone and tax rate for a country (upper-case ISO code) and, in the US, a state code. The
        zone is None when the shop does not ship there (callers refuse it for an order that ships)."""
        zone = pricing.zone_for_country(country, self.zones) if self.ships_to(country) else None
        needs_state = not state and pricing.tax_depends_on_state(self.tax_table, country)
        return Destination(
            country=country,
            state=state or None,
            zone=zone,
            tax_rate=pricing.tax_rate_for(self.tax_table, country, state),
            tax_needs_state=needs_state,
        )


def _whole_number(setting: str, what: str, raw: str, *, unit: str = "cents") -> int:
    """A whole number written in ASCII digits: `isdigit()` alone would let "72²" through to a bare
    ValueError and read "٧٢٥" or "１００" as numbers nobody meant to type."""
    text = raw.strip()
    if not is_ascii_digits(text):
        raise PricingConfigError(
            f"{setting}: {what} must be a whole number of {unit} (0 or more, digits 0-9 only), got {raw!r}"
        )
    return int(text)


def _country(setting: str, raw: str) -> str:
    code = raw.strip().upper()
    if code not in COUNTRY_CODES:
        raise PricingConfigError(f"{setting}: {raw.strip()!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def parse_shipping_zones(
    raw: str,
    *,
    domestic_country: str,
    flat_rate_cents: int,
    free_over_cents: int,
    shipping_countries: tuple[str, ...],
) -> tuple[pricing.ShippingZone, ...]:
    """The zones: the domestic one from the flat rate and threshold, then SHIPPING_ZONES's entries
    `name:COUNTRIES:rate_cents:free_over_cents` separated by `;`, countries separated by spaces (`*` for
    every other country), free_over `never` for a zone where shipping is never free."""
    setting = "SHIPPING_ZONES"
    for code in shipping_countries:
        _country("SHIPPING_COUNTRIES", code)
    domestic = _country("DOMESTIC_COUNTRY", domestic_country)
    if domestic not in shipping_countries:
        raise PricingConfigError(
            f"DOMESTIC_COUNTRY {domestic} must be one of SHIPPING_COUNTRIES ({', '.join(shipping_countries)})"
        )
    for name, value in (
        ("FLAT_SHIPPING_CENTS", flat_rate_cents),
        ("FREE_SHIPPING_THRESHOLD_CENTS", free_over_cents),
    ):
        if value < 0:
            raise PricingConfigError(f"{name} must not be negative, got {value}")
    zones = [pricing.ShippingZone("domestic", frozenset({domestic}), flat_rate_cents, free_over_cents)]
    owner = {domestic: "domestic"}
    catch_all: str | None = None
    for entry in (part.strip() for part in raw.split(";")):
        if not entry:
            continue
        fields = entry.split(":")
        if len(fields) != 4 or not fields[0].strip():
            raise PricingConfigError(
                f"{setting}: {entry!r} must be name:COUNTRIES:rate_cents:free_over_cents "
                "(for example canada:CA:1495:25000 or rest:*:2495:never)"
            )
        name, countries_text, rate_text, free_text = (part.strip() for part in fields)
        if name in {zone.name for zone in zones}:
            raise PricingConfigError(f"{setting}: the zone name {name!r} is used twice")
        rate = _whole_number(setting, f"zone {name}'s rate", rate_text)
        free_over = (
            None
            if free_text.lower() in NEVER_FREE
            else _whole_number(setting, f"zone {name}'s free-shipping threshold", free_text)
        )
        if countries_text == EVERY_OTHER_COUNTRY:
            if catch_all is not None:
                raise PricingConfigError(f"{setting}: zones {catch_all} and {name} both claim '*'")
            catch_all = name
            countries: frozenset[str] = frozenset()
        else:
            codes = [_country(setting, code) for code in countries_text.split()]
            if not codes:
                raise PricingConfigError(f"{setting}: zone {name} names no country (use * for the rest)")
            for code in codes:
                if code in owner:
                    raise PricingConfigError(f"{setting}: {code} is in zone {owner[code]} and zone {name}")
                owner[code] = name
            countries = frozenset(codes)
        zones.append(pricing.ShippingZone(name, countries, rate, free_over))
    missing = [code for code in shipping_countries if pricing.zone_for_country(code, zones) is None]
    if missing:
        raise PricingConfigError(
            f"{setting}: no zone for {', '.join(missing)}, which SHIPPING_COUNTRIES ships to "
            "(add them to a zone, or add a zone for every other country: rest:*:2495:never)"
        )
    return tuple(zones)


def parse_tax_table(raw: str) -> Mapping[str, pricing.TaxRate]:
    """TAX_RATES: entries `REGION:rate_bp[:digital]` separated by commas, REGION a country (`CA`) or a US
    state (`US-NY`), the rate in basis points (725 = 7.25%), `digital` when digital goods are taxed there."""
    setting = "TAX_RATES"
    table: dict[str, pricing.TaxRate] = {}
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        fields = [part.strip() for part in entry.split(":")]
        if len(fields) not in (2, 3) or (len(fields) == 3 and fields[2].lower() != DIGITAL_FLAG):
            raise PricingConfigError(
                f"{setting}: {entry!r} must be REGION:rate_bp or REGION:rate_bp:digital "
                "(for example US-NY:400 or CA:500:digital)"
            )
        region_text, rate_text = fields[0].upper(), fields[1]
        country, _, state = region_text.partition("-")
        _country(setting, country)
        if state and (country != "US" or state not in US_STATES):
            raise PricingConfigError(
                f"{setting}: {fields[0]!r} is not a region the table knows (a country such as CA, or a "
                "US state such as US-NY)"
            )
        if region_text in table:
            raise PricingConfigError(f"{setting}: {region_text} is listed twice")
        rate_bp = _whole_number(setting, f"{region_text}'s rate", rate_text, unit="basis points")
        if rate_bp > pricing.BASIS_POINTS:
            raise PricingConfigError(f"{setting}: {region_text}'s rate {rate_bp} bp is over 100%")
        table[region_text] = pricing.TaxRate(rate_bp=rate_bp, digital_taxable=len(fields) == 3)
    return MappingProxyType(table)


def pricing_knobs(config: Mapping[str, Any] | None = None) -> PricingKnobs:
    """The knobs: parsed from `config` when one is given, else the ones the current app parsed at
    start-up."""
    if config is None:
        return current_app.extensions[EXTENSION_KEY]
    shipping_countries = tuple(config["SHIPPING_COUNTRIES"])
    domestic = str(config.get("DOMESTIC_COUNTRY", "US")).strip().upper()
    return PricingKnobs(
        currency=config["SHOP_CURRENCY"],
        flat_rate_cents=config["FLAT_SHIPPING_CENTS"],
        free_over_cents=config["FREE_SHIPPING_THRESHOLD_CENTS"],
        max_line_quantity=config["MAX_LINE_QUANTITY"],
        reservation_minutes=config["RESERVATION_MINUTES"],
        domestic_country=domestic,
        shipping_countries=shipping_countries,
        zones=parse_shipping_zones(
            config.get("SHIPPING_ZONES", ""),
            domestic_country=domestic,
            flat_rate_cents=config["FLAT_SHIPPING_CENTS"],
            free_over_cents=config["FREE_SHIPPING_THRESHOLD_CENTS"],
            shipping_countries=shipping_countries,
        ),
        tax_table=parse_tax_table(config.get("TAX_RATES", "")),
    )


def init_app(app: Flask) -> None:
    """Parse the knobs once; a misconfigured zone or tax table stops the app here."""
    app.extensions[EXTENSION_KEY] = pricing_knobs(app.config)
