"""The catalog revision follows stock only when a page would show it: an order taking a tee from 20 to 18
leaves every cached page as it is; one that takes a size into "Only N left" or "Sold out", or stock coming
back out of them, shows on the next page view."""

from flask.testing import FlaskClient

from shop.catalog.services import get_catalog_revision
from shop.extensions import db
from shop.orders import stock
from shop.orders.models import Order
from tests.factories import stock_of
from tests.order_factory import make_pending_order, reload


def product_page(client: FlaskClient, slug: str) -> str:
    response = client.get(f"/products/{slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def release(order: Order) -> None:
    assert stock.release_reservation(reload(order), actor="system")
    db.session.commit()


def test_an_order_no_page_shows_keeps_the_revision_and_the_cached_pages(
    client: FlaskClient, shop: dict
) -> None:
    assert "In stock" in product_page(client, "tee")
    revision = get_catalog_revision()

    order = make_pending_order(("TEE-M", 2))

    assert stock_of("TEE-M") == 18
    assert get_catalog_revision() == revision
    assert "In stock" in product_page(client, "tee")

    release(order)

    assert stock_of("TEE-M") == 20
    assert get_catalog_revision() == revision


def test_an_order_into_low_stock_shows_at_once_and_so_does_its_release(
    client: FlaskClient, shop: dict
) -> None:
    assert "Only 5 left" not in product_page(client, "hoodie")
    revision = get_catalog_revision()

    order = make_pending_order(("HOODIE-M", 5))

    assert get_catalog_revision() > revision
    assert "Only 5 left" in product_page(client, "hoodie")

    revision = get_catalog_revision()
    release(order)

    assert get_catalog_revision() > revision
    page = product_page(client, "hoodie")
    assert "Only 5 left" not in page
    assert "In stock" in page


def test_a_move_within_low_stock_and_the_last_unit_show_at_once(client: FlaskClient, shop: dict) -> None:
    assert "Only 3 left" in product_page(client, "mug")

    make_pending_order(("MUG", 1), session_id=None)
    assert "Only 2 left" in product_page(client, "mug")

    make_pending_order(("MUG", 2), session_id=None)
    assert "Sold out" in product_page(client, "mug")


def test_one_line_a_page_shows_is_enough_to_bump(client: FlaskClient, shop: dict) -> None:
    revision = get_catalog_revision()

    make_pending_order(("TEE-M", 1), ("MUG", 1))

    assert get_catalog_revision() > revision
    assert "Only 2 left" in product_page(client, "mug")
