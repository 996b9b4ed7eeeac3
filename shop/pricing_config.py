"""The pricing knobs from the shop's config, read in one place: the currency, shipping, the most of one
item a cart may hold, and how long an order's stock is held for payment. Services take them as plain
values (shop/pricing.py never reads config)."""

from dataclasses import dataclass
from typing import Any

from flask import current_app


@dataclass(frozen=True)
class PricingKnobs:
    currency: str
    flat_rate_cents: int
    free_over_cents: int
    max_line_quantity: int
    reservation_minutes: int

    def cart_knobs(self) -> dict[str, int]:
        """The keyword arguments a cart summary takes (shop.cart.services.get_cart_summary)."""
        return {
            "flat_rate_cents": self.flat_rate_cents,
            "free_over_cents": self.free_over_cents,
            "max_line_quantity": self.max_line_quantity,
        }


def pricing_knobs(config: dict[str, Any] | None = None) -> PricingKnobs:
    """The knobs from `config` (the current app's config by default)."""
    config = current_app.config if config is None else config
    return PricingKnobs(
        currency=config["SHOP_CURRENCY"],
        flat_rate_cents=config["FLAT_SHIPPING_CENTS"],
        free_over_cents=config["FREE_SHIPPING_THRESHOLD_CENTS"],
        max_line_quantity=config["MAX_LINE_QUANTITY"],
        reservation_minutes=config["RESERVATION_MINUTES"],
    )
