"""A code's last use sells once: twenty shoppers at the same instant on PostgreSQL
(docs/rules.md#discounts rule 8)."""

from collections import Counter

import pytest
import sqlalchemy as sa
from flask import Flask

from shop.cart.services import add_to_cart, apply_discount_code
from shop.checkout.errors import DiscountNoLongerAppliesError
from shop.discounts.models import DiscountCode, DiscountRedemption
from shop.extensions import db
from shop.orders.models import Order
from tests.factories import make_code, make_product, stock_of
from tests.pricing_knobs import KNOBS
from tests.races import THREADS, checkouts_at_once


@pytest.mark.postgres
def test_twenty_shoppers_redeeming_the_last_use_sell_one_discounted_order(postgres: Flask) -> None:
    # given a code with one use left and twenty carts holding it
    app = postgres
    make_product(name="Spore Tee", sku="TEE", price_cents=3_200, stock=100)
    make_code("LAST-ONE", usage_limit=5, uses_count=4)
    tokens = [f"discount-cart-{i:02d}" for i in range(THREADS)]
    for token in tokens:
        add_to_cart(token, "TEE", 1, max_line_quantity=10)
        apply_discount_code(token, "last-one", **KNOBS.cart_knobs())

    # when all twenty place their order at once
    results = checkouts_at_once(app, tokens, key_prefix="discount-race-key")

    # then one order has the discount, nineteen are told the code was used up, and nothing else moved
    kinds = Counter(type(result).__name__ for result in results)
    assert kinds == {"int": 1, "DiscountNoLongerAppliesError": 19}, results
    assert all(
        "LAST-ONE has just been used up" in result.message or "LAST-ONE has been used up" in result.message
        for result in results
        if isinstance(result, DiscountNoLongerAppliesError)
    )
    orders = db.session.scalars(sa.select(Order)).all()
    assert [(order.discount_code, order.discount_cents) for order in orders] == [("LAST-ONE", 320)]
    assert db.session.scalar(sa.select(DiscountCode.uses_count)) == 5
    assert db.session.scalar(sa.select(sa.func.count(DiscountRedemption.id))) == 1
    assert stock_of("TEE") == 99
