"""Real concurrent transactions for the PostgreSQL race tests: threads released at one instant, and
shoppers checking out their carts at once."""

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from shop.cart.services import get_cart_summary
from shop.checkout import services as checkout
from shop.extensions import db
from tests.order_factory import SHIPPING_ADDRESS
from tests.pricing_knobs import KNOBS

THREADS = 20


def run_together(app: Flask, count: int, work: Callable[[int], Any]) -> list:
    """Run work(i) in `count` threads, each in its own app context, released at the same instant.
    Each result is what work returned or the exception it raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def runner(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[index] = work(index)
            except Exception as error:  # collected and asserted on by the test
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def checkouts_at_once(app: Flask, tokens: list[str], *, key_prefix: str) -> list:
    """Every cart in `tokens` places its order at the same instant, each as it was shown at checkout;
    the order id or the exception, per cart."""
    fingerprints = [
        checkout.cart_fingerprint(get_cart_summary(token, **KNOBS.cart_knobs())) for token in tokens
    ]
    db.session.remove()

    def place(index: int) -> int:
        return checkout.place_order(
            cart_token=tokens[index],
            email=f"shopper{index}@example.com",
            address=SHIPPING_ADDRESS,
            fingerprint=fingerprints[index],
            checkout_key=f"{key_prefix}-{index:02d}",
            knobs=KNOBS,
        ).id

    return run_together(app, len(tokens), place)
