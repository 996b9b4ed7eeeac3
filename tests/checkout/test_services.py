"""Placing an order: a line the stock can't cover is refused by the shop's own checks, with its own
message, never by the database's CHECK constraint (which only stands behind them)."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask

from shop.cart.services import add_to_cart, get_cart_summary
from shop.catalog.models import ProductVariant
from shop.checkout import services as checkout
from shop.checkout.errors import OutOfStockError
from shop.extensions import db
from shop.orders import stock as orders
from shop.orders.models import Order
from tests.conftest import count_queries, is_postgres
from tests.factories import stock_of
from tests.order_factory import SHIPPING_ADDRESS, new_line
from tests.pricing_knobs import KNOBS

CART = "cart-token-short"


def set_stock(sku: str, quantity: int) -> None:
    db.session.execute(
        sa.update(ProductVariant).where(ProductVariant.sku == sku).values(stock_on_hand=quantity)
    )
    db.session.commit()


@contextmanager
def stock_check_constraint_off(app: Flask) -> Iterator[None]:
    """Inside one transaction, the database no longer refuses negative stock: whatever refuses a short
    line here is the shop's own code. Rolled back (and switched on again) afterwards."""
    if is_postgres(app):
        db.session.execute(
            sa.text("ALTER TABLE product_variant DROP CONSTRAINT ck_product_variant_stock_not_negative")
        )
    else:
        db.session.execute(sa.text("PRAGMA ignore_check_constraints = ON"))
    try:
        yield
    finally:
        db.session.rollback()
        if not is_postgres(app):
            db.session.execute(sa.text("PRAGMA ignore_check_constraints = OFF"))


def test_the_constraint_off_helper_really_lets_stock_go_negative(app: Flask, shop: dict) -> None:
    with stock_check_constraint_off(app):
        db.session.execute(
            sa.update(ProductVariant).where(ProductVariant.sku == "MUG").values(stock_on_hand=-1)
        )
        assert (
            db.session.scalar(sa.select(ProductVariant.stock_on_hand).where(ProductVariant.sku == "MUG"))
            == -1
        )

    assert stock_of("MUG") == 3


def test_placing_an_order_refuses_a_short_line_before_touching_stock(app: Flask, shop: dict) -> None:
    # given a cart of 2 hoodies and 3 mugs, and the mugs down to 1 since the checkout page was shown
    add_to_cart(CART, "HOODIE-M", 2, max_line_quantity=10)
    add_to_cart(CART, "MUG", 3, max_line_quantity=10)
    fingerprint = checkout.cart_fingerprint(get_cart_summary(CART, **KNOBS.cart_knobs()))
    set_stock("MUG", 1)

    # when the order is placed
    with count_queries(app) as statements, pytest.raises(OutOfStockError) as refused:
        checkout.place_order(
            cart_token=CART,
            email="ana@example.com",
            address=SHIPPING_ADDRESS,
            fingerprint=fingerprint,
            checkout_key="short-line-key",
            knobs=KNOBS,
        )
    db.session.rollback()

    # then the service refused it with its own message, naming the item and what is left
    assert refused.value.message == "Only 1 left of Enamel Mug: lower the quantity to continue."
    assert refused.value.status_code == 409
    assert not any(s.lstrip().upper().startswith("UPDATE PRODUCT_VARIANT") for s in statements), statements
    assert stock_of("HOODIE-M") == 10 and stock_of("MUG") == 1
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 0


def test_placing_an_order_names_a_sold_out_line(app: Flask, shop: dict) -> None:
    add_to_cart(CART, "MUG", 1, max_line_quantity=10)
    fingerprint = checkout.cart_fingerprint(get_cart_summary(CART, **KNOBS.cart_knobs()))
    set_stock("MUG", 0)

    with pytest.raises(OutOfStockError, match=r"^Sorry, Enamel Mug is sold out\.$"):
        checkout.place_order(
            cart_token=CART,
            email="ana@example.com",
            address=SHIPPING_ADDRESS,
            fingerprint=fingerprint,
            checkout_key="sold-out-key",
            knobs=KNOBS,
        )


def test_reserving_refuses_a_short_line_itself_without_the_database_check(app: Flask, shop: dict) -> None:
    # given the database would let stock go below zero (3 mugs on hand)
    with stock_check_constraint_off(app):
        # when a reservation asks for 2 hoodies and 4 mugs (stock that ran out after the service's check)
        with pytest.raises(orders.StockShortError) as short:
            orders.reserve_stock([new_line("HOODIE-M", 2), new_line("MUG", 4)])

        # then the reservation itself refused, named the item and what is left, and took nothing
        assert (
            short.value.message
            == "Sorry, only 3 left of Enamel Mug. Lower the quantity in your cart to continue."
        )
        stock = dict(db.session.execute(sa.select(ProductVariant.sku, ProductVariant.stock_on_hand)).all())
        assert (stock["HOODIE-M"], stock["MUG"]) == (10, 3)
