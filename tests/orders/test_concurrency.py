"""Never oversell, release once: real concurrent transactions on PostgreSQL."""

from collections import Counter

import sqlalchemy as sa
from flask import Flask

from shop.cart.services import add_to_cart
from shop.checkout.errors import OutOfStockError
from shop.emails.models import OutgoingEmail
from shop.extensions import db
from shop.orders import pending as orders
from shop.orders.models import Order
from shop.payments.webhooks import apply_event
from tests.checkout_helpers import event, session_object
from tests.factories import make_product, stock_of
from tests.order_factory import make_pending_order
from tests.races import THREADS, checkouts_at_once, run_together


def test_twenty_checkouts_for_ten_units_make_exactly_five_orders(postgres: Flask) -> None:
    # given 10 in stock and 20 carts holding 2 each
    app = postgres
    make_product(name="Last Hoodies", sku="LAST", price_cents=6_800, stock=10)
    tokens = [f"cart-token-{i:02d}" for i in range(THREADS)]
    for token in tokens:
        add_to_cart(token, "LAST", 2, max_line_quantity=10)
    results = checkouts_at_once(app, tokens, key_prefix="concurrent-checkout-key")

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
