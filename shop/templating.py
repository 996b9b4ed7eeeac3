"""Template filters and the values every page needs (mini-cart, shipping banner, CSRF meta)."""

from typing import Any

from flask import Flask

from shop.cart import session_cart
from shop.money import format_cents, format_cents_short


def init_app(app: Flask) -> None:
    currency = app.config["SHOP_CURRENCY"]

    @app.template_filter("money")
    def money(amount_cents: int) -> str:
        return format_cents(amount_cents, currency)

    @app.template_filter("money_short")
    def money_short(amount_cents: int) -> str:
        return format_cents_short(amount_cents, currency)

    @app.context_processor
    def shop_globals() -> dict[str, Any]:
        return {
            "shop_name": app.config["SHOP_NAME"],
            "free_shipping_threshold_cents": app.config["FREE_SHIPPING_THRESHOLD_CENTS"],
            "flat_shipping_cents": app.config["FLAT_SHIPPING_CENTS"],
            "max_line_quantity": app.config["MAX_LINE_QUANTITY"],
            "cart_item_count": session_cart.item_count,
        }
