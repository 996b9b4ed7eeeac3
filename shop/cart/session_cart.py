"""The shopper's cart for this request: its token lives in the (signed, 30-day) session cookie."""

from dataclasses import replace

from flask import g, session
from flask_login import current_user

from shop.cart import services
from shop.cart.services import CartSummary
from shop.discounts.rules import Shopper
from shop.pricing_config import Destination, pricing_knobs

SESSION_KEY = "cart_token"
# The country the shopper picked for the cart's shipping and tax estimate (a shipping country's code).
COUNTRY_KEY = "cart_country"


def current_token() -> str | None:
    token = session.get(SESSION_KEY)
    return token if isinstance(token, str) and token else None


def ensure_token() -> str:
    """The cart token, minting one (and making the session outlive the browser) on first use."""
    token = current_token()
    if token is None:
        token = services.new_cart_token()
        session[SESSION_KEY] = token
    session.permanent = True
    return token


def current_country() -> str:
    """The country the cart's estimate is for: the shopper's pick, else the domestic one."""
    knobs = pricing_knobs()
    country = session.get(COUNTRY_KEY)
    if isinstance(country, str) and knobs.ships_to(country):
        return country
    return knobs.domestic_country


def choose_country(raw: object) -> str:
    """Remember the country for the estimate (in the session, so it outlives this page). Raises a
    CartError for a blank, unknown or not-shipped-to country, and leaves the choice as it was."""
    country = services.choose_country(raw, shipping_countries=pricing_knobs().shipping_countries)
    session[COUNTRY_KEY] = country
    session.permanent = True
    forget_summary()
    return country


def destination() -> Destination:
    """The shopper's country with its zone and tax rate (no state yet: tax may wait for the address)."""
    return pricing_knobs().destination(current_country())


def summary() -> CartSummary:
    """This request's cart, priced once and reused by the page, the header and the JSON API, with the
    shipping and tax of the shopper's country."""
    if "cart_summary" not in g:
        where = destination()
        priced = services.get_cart_summary(
            current_token(), **pricing_knobs().cart_knobs(where), shopper=shopper()
        )
        g.cart_summary = replace(priced, destination=where)
    return g.cart_summary


def shopper() -> Shopper:
    """Who is shopping, for a discount code's checks: a logged-in customer's email, else nobody yet."""
    if current_user.is_authenticated:
        return Shopper(email=current_user.email)
    return Shopper()


def apply_code(raw_code: object) -> None:
    """Apply a discount code to this shopper's cart (the cart's and the checkout page's boxes, the JSON
    API); raises a ShopError saying why it does not apply, and the cart keeps what it had."""
    services.apply_discount_code(
        current_token(), raw_code, **pricing_knobs().cart_knobs(destination()), shopper=shopper()
    )
    forget_summary()


def remove_code() -> None:
    services.remove_discount_code(current_token())
    forget_summary()


def forget_summary() -> None:
    """Drop the memoised summary after the cart changed within this request."""
    g.pop("cart_summary", None)
    g.pop("cart_item_count", None)


def item_count() -> int:
    """Units in the cart for the mini-cart; costs no query for a visitor without a cart."""
    if "cart_summary" in g:
        return g.cart_summary.item_count
    if "cart_item_count" not in g:
        g.cart_item_count = services.count_items(current_token())
    return g.cart_item_count
