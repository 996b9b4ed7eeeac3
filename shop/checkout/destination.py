"""Where an order goes, for its shipping zone and tax: the shipping address's country (and, in the US,
its state), or for a digital-only order the billing country the shopper picks (and its state where the tax
table taxes that country's states differently) (docs/rules.md#shipping-zones, docs/rules.md#tax)."""

from dataclasses import replace

from shop import pricing
from shop.checkout.errors import DestinationError, NotShippedThereError
from shop.country_codes import country_name, normalise_country, normalise_us_state
from shop.orders.addresses import ShippingAddress
from shop.pricing_config import Destination, PricingKnobs

# The one country whose addresses must name a state: its sales tax differs state by state.
STATE_REQUIRED_COUNTRY = "US"


def checkout_destination(
    knobs: PricingKnobs,
    *,
    address: ShippingAddress | None,
    billing_country: str | None,
    billing_state: str | None = None,
    ask_billing_state: bool = True,
) -> tuple[Destination, ShippingAddress | None]:
    """The destination for an order and its address, normalised: the country in upper case and a US
    state as its two-letter code. Raises DestinationError for an unknown or blank country, a US address
    without a state or a missing billing country (or billing state, see below), and NotShippedThereError
    for a country the shop does not ship to.

    A digital-only order's billing state is asked for (`ask_billing_state`) only where the shop reckons the
    tax itself: with Stripe Tax the payment page collects the billing address instead."""
    if address is None:
        country = normalise_country(billing_country)
        if country is None:
            raise DestinationError(
                "Choose the country you are buying from: it decides the sales tax.", field="billing_country"
            )
        state = None
        if ask_billing_state and pricing.tax_depends_on_state(knobs.tax_table, country):
            state = _us_state(
                billing_state,
                missing="Enter the state you are buying from, such as TX or Texas: sales tax depends on it.",
                field="billing_state",
            )
        return knobs.destination(country, state), None
    country = normalise_country(address.country)
    if country is None:
        raise DestinationError("Choose a country we ship to.")
    if not knobs.ships_to(country):
        raise NotShippedThereError(
            f"Sorry, we don't ship to {country_name(country)}. We ship to "
            f"{', '.join(country_name(code) for code in knobs.shipping_countries)}."
        )
    state = None
    if country == STATE_REQUIRED_COUNTRY:
        state = _us_state(
            address.region,
            missing="Enter the state for a US address, such as NY or New York: sales tax depends on it.",
        )
    address = replace(address, country=country, region=state or address.region)
    return knobs.destination(country, state), address


def _us_state(raw: str | None, *, missing: str, field: str | None = None) -> str:
    """A US state or territory typed as its code or name ("tx", "Texas") → its two-letter code."""
    state = normalise_us_state(raw)
    if state is None:
        raise DestinationError(
            missing
            if not raw or not raw.strip()
            else f"{raw!r} is not a US state. Enter its name or two-letter code, such as NY.",
            field=field,
        )
    return state
