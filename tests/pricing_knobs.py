"""The shop's pricing knobs as the test app has them: read from TestConfig by the shop's one reader
(shop/pricing_config.py), never typed out again."""

from config import TestConfig
from shop.pricing_config import pricing_knobs

KNOBS = pricing_knobs({name: getattr(TestConfig, name) for name in dir(TestConfig) if name.isupper()})
# The cart services take the three cart knobs as keyword arguments.
CART_KNOBS = KNOBS.cart_knobs()
# create_order takes the order knobs as keyword arguments.
ORDER_KNOBS = {
    "currency": KNOBS.currency,
    "flat_rate_cents": KNOBS.flat_rate_cents,
    "free_over_cents": KNOBS.free_over_cents,
    "reservation_minutes": KNOBS.reservation_minutes,
}
