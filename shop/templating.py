"""Template filters and the values every page needs (mini-cart, shipping banner), and a memoised
url_for for templates: a page builds twenty links, nearly all the same on every request."""

from functools import lru_cache
from typing import Any

from flask import Flask, has_request_context, request
from flask import url_for as flask_url_for

from shop.cart import session_cart
from shop.money import format_cents, format_cents_short
from shop.pagination import COUNT_CAP
from shop.pricing_config import pricing_knobs


def _memoised_url_for(app: Flask) -> Any:
    @lru_cache(maxsize=4096)
    def build(script_root: str, endpoint: str, values: tuple[tuple[str, Any], ...]) -> str:
        return flask_url_for(endpoint, **dict(values))

    def url_for(endpoint: str, **values: Any) -> str:
        # External URLs depend on the host, relative endpoints on the blueprint: build those each time.
        if (
            not has_request_context()
            or endpoint.startswith(".")
            or any(key.startswith("_") for key in values)
        ):
            return flask_url_for(endpoint, **values)
        try:
            key = tuple(sorted(values.items()))
            hash(key)
        except TypeError:
            return flask_url_for(endpoint, **values)
        return build(request.script_root, endpoint, key)

    return url_for


# A value every URL converter the shop uses (int, string) writes as these same digits.
_STEM_MARKER = 987_654_321


def url_stem(endpoint: str, name: str) -> str:
    """The URL of `endpoint` up to the value of `name`, its last path part: a list links each of its rows
    as stem + value, building one URL a page instead of one a row. Only for values a URL writes as they
    are: ids, and order numbers (capital letters, digits and a dash)."""
    url = flask_url_for(endpoint, **{name: _STEM_MARKER})
    stem, _, rest = url.rpartition(str(_STEM_MARKER))
    if rest:
        raise ValueError(f"{name} is not the end of the URL of {endpoint}")
    return stem


def init_app(app: Flask) -> None:
    currency = app.config["SHOP_CURRENCY"]
    app.jinja_env.globals["url_for"] = _memoised_url_for(app)
    app.jinja_env.globals["url_stem"] = url_stem
    app.jinja_env.globals["count_cap"] = COUNT_CAP

    @app.template_filter("money")
    def money(amount_cents: int) -> str:
        return format_cents(amount_cents, currency)

    @app.template_filter("percent_bp")
    def percent_bp(rate_bp: int) -> str:
        """825 → "8.25%", 500 → "5%": a tax rate in basis points as people read it."""
        whole, part = divmod(rate_bp, 100)
        return f"{whole}.{part:02d}".rstrip("0").rstrip(".") + "%"

    @app.template_filter("tax_label")
    def tax_label(rates_bp: Any) -> str:
        """ "Tax (8.25%)" for the rates an order or estimate was taxed at; plain "Tax" when none is known."""
        rates = [rate for rate in (rates_bp or ()) if rate]
        return f"Tax ({', '.join(percent_bp(rate) for rate in rates)})" if rates else "Tax"

    @app.template_filter("row_count")
    def row_count(total: int) -> str:
        """A staff list's count, which stops at COUNT_CAP (shop/pagination.py): "1,234" or "more than …"."""
        return f"more than {COUNT_CAP:,}" if total > COUNT_CAP else f"{total:,}"

    @app.template_filter("money_short")
    def money_short(amount_cents: int) -> str:
        return format_cents_short(amount_cents, currency)

    @app.context_processor
    def shop_globals() -> dict[str, Any]:
        knobs = pricing_knobs()
        # Banners and offers follow the shopper's chosen country's zone (the domestic one by default).
        country = session_cart.current_country() if has_request_context() else knobs.domestic_country
        zone = knobs.destination(country).zone
        return {
            "shop_name": app.config["SHOP_NAME"],
            "shipping_country": country,
            "shipping_countries": knobs.shipping_countries,
            "free_shipping_threshold_cents": zone.free_over_cents if zone else knobs.free_over_cents,
            "flat_shipping_cents": zone.rate_cents if zone else knobs.flat_rate_cents,
            "max_line_quantity": knobs.max_line_quantity,
            "cart_item_count": session_cart.item_count,
        }
