"""Never oversell, release once: real concurrent transactions on PostgreSQL."""

import threading
from collections import Counter

import sqlalchemy as sa
from flask import Flask

from shop.cart.services import add_to_cart, get_cart_summary
from shop.checkout import services as checkout
from shop.checkout.errors import OutOfStockError
from shop.emails.models import OutgoingEmail
from shop.extensions import db
from shop.orders import pending as orders
from shop.orders.models import Order
from shop.payments.webhooks import apply_event
from tests.checkout_helpers import event, session_object
from tests.factories import make_product, stock_of
from tests.order_factory import SHIPPING_ADDRESS, make_pending_order
from tests.pricing_knobs import KNOBS

THREADS = 20


def run_together(app: Flask, count: int, work) -> list:
    """Run work(i) in `count` threads, each in its own app context, released at the same instant."""
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


def test_twenty_checkouts_for_ten_units_make_exactly_five_orders(postgres: Flask) -> None:
    # given 10 in stock and 20 carts holding 2 each
    app = postgres
    make_product(name="Last Hoodies", sku="LAST", price_cents=6_800, stock=10)
    tokens = [f"cart-token-{i:02d}" for i in range(THREADS)]
    for token in tokens:
        add_to_cart(token, "LAST", 2, max_line_quantity=10)
    fingerprints = [
        checkout.cart_fingerprint(get_cart_summary(token, **KNOBS.cart_knobs())) for token in tokens
    ]
    db.session.remove()

    # when all 20 place their order at once
    def place(index: int) -> int:
        return checkout.place_order(
            cart_token=tokens[index],
            email=f"shopper{index}@example.com",
            address=SHIPPING_ADDRESS,
            fingerprint=fingerprints[index],
            checkout_key=f"concurrent-checkout-key-{index:02d}",
            knobs=KNOBS,
        ).id

    results = run_together(app, THREADS, place)

    # then exactly 5 win, the rest are told it ran short, and stock ends at 0 (the CHECK constraint
    # stock_on_hand >= 0 would have failed any transaction that took it below)
    kinds = Counter(type(result).__name__ for result in results)
    assert kinds == {"int": 5, "OutOfStockError": 15}, results
    assert all("Last Hoodies" in result.message for result in results if isinstance(result, OutOfStockError))
    assert stock_of("LAST") == 0
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 5
    assert (
        db.session.scalar(
            sa.select(sa.func.min(sa.text("stock_on_hand"))).select_from(sa.text("product_variant"))
        )
        == 0
    )

    # and expiring one order from two places at once returns its 2 units exactly once
    winner_id = next(result for result in results if isinstance(result, int))
    outcomes = run_together(app, 4, lambda _: orders.mark_expired(winner_id))

    assert sorted(outcomes) == sorted([orders.Outcome.APPLIED] + [orders.Outcome.ALREADY_DONE] * 3), outcomes
    assert stock_of("LAST") == 2
    orders.mark_expired(winner_id)
    orders.release_expired_orders()
    assert stock_of("LAST") == 2


def test_concurrent_duplicate_webhooks_apply_once(postgres: Flask, shop: dict) -> None:
    app = postgres
    order = make_pending_order(("HOODIE-M", 1), ("GUIDE-WB", 1))
    body = event("checkout.session.completed", session_object(order), event_id="evt_race")
    db.session.remove()

    outcomes = run_together(app, 6, lambda _: apply_event(body))

    assert sorted(map(str, outcomes)) == ["applied"] + ["duplicate"] * 5, outcomes
    assert db.session.scalar(sa.select(sa.func.count(OutgoingEmail.id))) == 1
    assert stock_of("HOODIE-M") == 9
