"""Cart rules at the service level: quantities, stock, the free guide, pricing from the database."""

import pytest
import sqlalchemy as sa
from flask import Flask

from shop.cart import services
from shop.cart.errors import (
    InvalidQuantityError,
    NotEnoughStockError,
    NotForSaleError,
    UnknownItemError,
)
from shop.cart.models import Cart, CartLine
from shop.extensions import db
from tests.factories import make_guide, make_product
from tests.pricing_knobs import CART_KNOBS


def lines_of(token: str) -> dict[str, int]:
    db.session.expire_all()
    summary = services.get_cart_summary(token, **CART_KNOBS)
    return {line.sku: line.quantity for line in summary.lines}


def test_adding_creates_the_cart_and_adds_up(app: Flask) -> None:
    make_product(sku="MUG", stock=5)

    services.add_to_cart("tok", "MUG", 2, max_line_quantity=10)
    services.add_to_cart("tok", "MUG", 1, max_line_quantity=10)

    assert lines_of("tok") == {"MUG": 3}
    assert db.session.scalar(sa.select(sa.func.count(Cart.id))) == 1


def test_prices_come_from_the_database_at_every_calculation(app: Flask) -> None:
    # given a mug in the cart at $18
    product = make_product(sku="MUG", price_cents=1_800)
    services.add_to_cart("tok", "MUG", 2, max_line_quantity=10)

    # when staff change the price
    product.variants[0].price_cents = 2_000
    db.session.commit()

    # then the cart is priced at the new price
    summary = services.get_cart_summary("tok", **CART_KNOBS)
    assert summary.lines[0].unit_price_cents == 2_000
    assert summary.totals.subtotal_cents == 4_000


@pytest.mark.parametrize("quantity", [0, -1, -100])
def test_non_positive_quantities_are_refused(app: Flask, quantity: int) -> None:
    make_product(sku="MUG")

    with pytest.raises(InvalidQuantityError):
        services.add_to_cart("tok", "MUG", quantity, max_line_quantity=10)

    assert lines_of("tok") == {}


def test_the_line_cap_counts_what_is_already_in_the_cart(app: Flask) -> None:
    make_product(sku="MUG", stock=50)
    services.add_to_cart("tok", "MUG", 8, max_line_quantity=10)

    with pytest.raises(InvalidQuantityError, match="at most 10.*already have 8"):
        services.add_to_cart("tok", "MUG", 3, max_line_quantity=10)

    assert lines_of("tok") == {"MUG": 8}


def test_stock_limits_the_line_and_the_message_says_how_many_are_left(app: Flask) -> None:
    make_product(name="Hoodie", sku="HOODIE", stock=3)

    with pytest.raises(NotEnoughStockError, match="Only 3 left of Hoodie"):
        services.add_to_cart("tok", "HOODIE", 4, max_line_quantity=10)

    assert lines_of("tok") == {}


def test_sold_out_items_cannot_be_added(app: Flask) -> None:
    make_product(name="Poster", sku="POSTER", stock=0)

    with pytest.raises(NotEnoughStockError, match="sold out"):
        services.add_to_cart("tok", "POSTER", 1, max_line_quantity=10)


def test_unknown_and_unpublished_items_are_refused(app: Flask) -> None:
    make_product(sku="HIDDEN", is_published=False)

    with pytest.raises(UnknownItemError):
        services.add_to_cart("tok", "NOPE", 1, max_line_quantity=10)
    with pytest.raises(UnknownItemError):
        services.add_to_cart("tok", "HIDDEN", 1, max_line_quantity=10)

    assert db.session.scalar(sa.select(sa.func.count(Cart.id))) == 0


def test_the_free_guide_never_goes_in_a_cart(app: Flask) -> None:
    make_guide(sku="GUIDE-FREE", price_cents=0, is_lead_magnet=True)

    with pytest.raises(NotForSaleError):
        services.add_to_cart("tok", "GUIDE-FREE", 1, max_line_quantity=10)

    assert lines_of("tok") == {}


def test_a_paid_guide_is_one_copy(app: Flask) -> None:
    make_guide(sku="GUIDE-WB")
    services.add_to_cart("tok", "GUIDE-WB", 1, max_line_quantity=10)

    with pytest.raises(InvalidQuantityError, match="one copy"):
        services.add_to_cart("tok", "GUIDE-WB", 1, max_line_quantity=10)

    assert lines_of("tok") == {"GUIDE-WB": 1}


def test_change_sets_the_quantity_and_zero_removes(app: Flask) -> None:
    make_product(sku="MUG", stock=20)
    make_product(sku="TOTE", stock=20)
    services.add_to_cart("tok", "MUG", 1, max_line_quantity=10)
    services.add_to_cart("tok", "TOTE", 1, max_line_quantity=10)

    services.change_quantity("tok", "MUG", 4, max_line_quantity=10)
    services.change_quantity("tok", "TOTE", 0, max_line_quantity=10)

    assert lines_of("tok") == {"MUG": 4}


@pytest.mark.parametrize(
    ("quantity", "error"),
    [
        (-1, InvalidQuantityError),
        (11, InvalidQuantityError),
        (1_000_000, InvalidQuantityError),
        (6, NotEnoughStockError),
    ],
)
def test_bad_changes_leave_the_line_as_it_was(app: Flask, quantity: int, error: type[Exception]) -> None:
    make_product(sku="MUG", stock=5)
    services.add_to_cart("tok", "MUG", 2, max_line_quantity=10)

    with pytest.raises(error):
        services.change_quantity("tok", "MUG", quantity, max_line_quantity=10)

    assert lines_of("tok") == {"MUG": 2}


def test_changing_an_item_not_in_the_cart_is_refused(app: Flask) -> None:
    make_product(sku="MUG")

    with pytest.raises(UnknownItemError):
        services.change_quantity("tok", "MUG", 1, max_line_quantity=10)
    with pytest.raises(UnknownItemError):
        services.remove_from_cart(None, "MUG")


def test_summary_prices_through_the_free_shipping_rule(app: Flask) -> None:
    make_product(sku="HOODIE", price_cents=6_800, stock=10)
    make_guide(sku="GUIDE-WB", price_cents=1_900)
    services.add_to_cart("tok", "HOODIE", 2, max_line_quantity=10)
    services.add_to_cart("tok", "GUIDE-WB", 1, max_line_quantity=10)

    totals = services.get_cart_summary("tok", **CART_KNOBS).totals

    # 136 of merchandise + a 19 guide = 155, but only merchandise counts toward 150
    assert totals.subtotal_cents == 15_500
    assert totals.merchandise_subtotal_cents == 13_600
    assert totals.shipping_cents == 795
    assert totals.free_shipping_remaining_cents == 1_400


def test_unpublished_products_drop_out_of_the_summary(app: Flask) -> None:
    product = make_product(sku="MUG")
    services.add_to_cart("tok", "MUG", 1, max_line_quantity=10)
    product.is_published = False
    db.session.commit()

    summary = services.get_cart_summary("tok", **CART_KNOBS)

    assert summary.is_empty
    assert services.count_items("tok") == 0


def test_a_line_above_current_stock_is_flagged(app: Flask) -> None:
    product = make_product(name="Tee", sku="TEE", stock=5)
    services.add_to_cart("tok", "TEE", 4, max_line_quantity=10)
    product.variants[0].stock_on_hand = 2
    db.session.commit()

    line = services.get_cart_summary("tok", **CART_KNOBS).lines[0]

    assert line.problem is not None and "Only 2 left" in line.problem


def test_count_items_sums_units(app: Flask) -> None:
    make_product(sku="MUG", stock=20)
    make_product(sku="TOTE", stock=20)
    services.add_to_cart("tok", "MUG", 3, max_line_quantity=10)
    services.add_to_cart("tok", "TOTE", 2, max_line_quantity=10)

    assert services.count_items("tok") == 5
    assert services.count_items(None) == 0
    assert services.count_items("someone-else") == 0


def test_purging_stale_carts(app: Flask) -> None:
    from datetime import timedelta

    from shop.cart.maintenance import purge_stale_carts
    from shop.clock import utcnow

    make_product(sku="MUG")
    services.add_to_cart("old", "MUG", 1, max_line_quantity=10)
    services.add_to_cart("new", "MUG", 1, max_line_quantity=10)
    old_cart = db.session.scalar(sa.select(Cart).where(Cart.token == "old"))
    old_cart.updated_at = utcnow() - timedelta(days=31)
    db.session.commit()

    removed = purge_stale_carts(older_than=utcnow() - timedelta(days=30))

    assert removed == 1
    assert db.session.scalars(sa.select(Cart.token)).all() == ["new"]
    assert db.session.scalar(sa.select(sa.func.count(CartLine.id))) == 1
