"""The shop's pricing knobs as the test app has them (read from TestConfig, never typed out again)."""

from config import TestConfig
from shop.checkout.services import PricingKnobs

KNOBS = PricingKnobs(
    currency=TestConfig.SHOP_CURRENCY,
    flat_rate_cents=TestConfig.FLAT_SHIPPING_CENTS,
    free_over_cents=TestConfig.FREE_SHIPPING_THRESHOLD_CENTS,
    max_line_quantity=TestConfig.MAX_LINE_QUANTITY,
    reservation_minutes=TestConfig.RESERVATION_MINUTES,
)
# The cart services take the three cart knobs as keyword arguments.
CART_KNOBS = {
    "flat_rate_cents": KNOBS.flat_rate_cents,
    "free_over_cents": KNOBS.free_over_cents,
    "max_line_quantity": KNOBS.max_line_quantity,
}
# create_order takes the order knobs as keyword arguments.
ORDER_KNOBS = {
    "currency": KNOBS.currency,
    "flat_rate_cents": KNOBS.flat_rate_cents,
    "free_over_cents": KNOBS.free_over_cents,
    "reservation_minutes": KNOBS.reservation_minutes,
}
