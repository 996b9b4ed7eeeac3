"""The shopper's cart for this request: its token lives in the (signed, 30-day) session cookie."""

from flask import g, session
from flask_login import current_user

from shop.cart import services
from shop.cart.services import CartSummary
from shop.discounts.rules import Shopper
from shop.pricing_config import pricing_knobs

SESSION_KEY = "cart_token"


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


def summary() -> CartSummary:
    """This request's cart, priced once and reused by the page, the header and the JSON API."""
    if "cart_summary" not in g:
        g.cart_summary = services.get_cart_summary(
            current_token(), **pricing_knobs().cart_knobs(), shopper=shopper()
        )
    return g.cart_summary


def shopper() -> Shopper:
    """Who is shopping, for a discount code's checks: a logged-in customer's email, else nobody yet."""
    if current_user.is_authenticated:
        return Shopper(email=current_user.email)
    return Shopper()


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
