"""PostgreSQL away (docs/architecture.md#when-a-dependency-is-down): /healthz says 503 within a second,
pages and JSON answer a friendly 503, the same app recovers when the database is back (pool pre-ping),
and an order is never half-written."""

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from shop.catalog.models import Product, ProductVariant
from shop.discounts.models import DiscountCode, DiscountRedemption
from shop.extensions import db
from shop.orders.models import Order, OrderLine
from tests.accounts.customers import make_customer
from tests.accounts.helpers import log_in
from tests.checkout_helpers import add, checkout_form, dev_pay
from tests.factories import make_code
from tests.fault_proxy import FaultProxy

pytestmark = pytest.mark.postgres


def healthz(app: Flask) -> tuple[int, float]:
    """GET /healthz: (status, seconds). A check that hangs fails the test instead of hanging it."""
    answers: list[int] = []
    started = time.perf_counter()
    request = threading.Thread(target=lambda: answers.append(app.test_client().get("/healthz").status_code))
    request.start()
    request.join(timeout=5)
    assert answers, "/healthz did not answer within 5 s"
    return answers[0], time.perf_counter() - started


def assert_friendly_503(response: Any) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:300]
    assert "We&#39;ll be right back" in page or "We'll be right back" in page
    assert "Traceback" not in page and "psycopg" not in page and "sqlalchemy" not in page.lower()
    assert int(response.headers["Retry-After"]) > 0


# --- the health check ---------------------------------------------------------------------------------


def test_healthz_answers_503_within_a_second_when_the_database_is_cut_and_200_when_back(
    db_faulty_app: Flask, db_proxy: FaultProxy
) -> None:
    # given a shop whose health check passes
    assert healthz(db_faulty_app)[0] == 200

    # when the database goes away (every connection reset, new ones refused)
    db_proxy.cut()

    # then the health check says so at once
    status, seconds = healthz(db_faulty_app)
    assert status == 503 and seconds < 1.0

    # and when it is back, the same app is healthy again without a restart
    db_proxy.restore()
    assert healthz(db_faulty_app)[0] == 200


def test_healthz_answers_503_within_a_second_when_the_database_stops_answering(
    db_faulty_app: Flask, db_proxy: FaultProxy
) -> None:
    # given a healthy shop (a pooled connection is open)
    assert healthz(db_faulty_app)[0] == 200

    # when the database goes silent: connections stay open and nothing comes back
    db_proxy.black_hole()

    # then the check gives up within a second, and while it still waits the next answers no at once
    first, first_seconds = healthz(db_faulty_app)
    second, second_seconds = healthz(db_faulty_app)
    assert (first, second) == (503, 503)
    assert first_seconds < 1.0 and second_seconds < 1.0

    # and when the network heals, the app is healthy again
    db_proxy.restore()
    assert _eventually(lambda: healthz(db_faulty_app)[0] == 200)


def test_postgresql_connections_give_up_on_a_vanished_server_within_the_connect_timeout(
    db_faulty_app: Flask,
) -> None:
    # given DATABASE_CONNECT_TIMEOUT (5 s by default)
    seconds = db_faulty_app.config["DATABASE_CONNECT_TIMEOUT"]

    # then a new connection waits at most that long, and so does an unacknowledged send on an open one
    with db_faulty_app.app_context():
        with db.engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            settings = {info.keyword: info.val for info in raw.pgconn.info}
    assert settings[b"connect_timeout"] == str(seconds).encode()
    assert settings[b"tcp_user_timeout"] == str(seconds * 1000).encode()


def _eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


# --- pages and JSON -------------------------------------------------------------------------------------


def test_pages_answer_a_friendly_503_and_json_a_json_error_then_recover(
    db_faulty_app: Flask, db_proxy: FaultProxy, shop: dict[str, Product]
) -> None:
    # given a visitor with a cart and a logged-in customer (whose layout needs the database to say who
    # they are)
    visitor = db_faulty_app.test_client()
    add(visitor, "HOODIE-M", 1)
    make_customer("ana@example.com", confirmed=True)
    customer = db_faulty_app.test_client()
    assert log_in(customer, email="ana@example.com").status_code == 303

    # when the database goes away
    db_proxy.cut()

    # then storefront pages answer the friendly 503, never a traceback
    for path in ("/", "/products", "/products/hoodie", "/cart", "/checkout", "/journal"):
        assert_friendly_503(visitor.get(path))
    page = customer.get("/account/")
    assert_friendly_503(page)
    assert "Try again" in page.get_data(as_text=True)  # the page that needs no database
    # and JSON endpoints a JSON error
    response = visitor.post("/cart/add.json", json={"sku": "TEE-M", "quantity": 1})
    assert response.status_code == 503
    assert response.get_json() == {"error": "The shop is briefly unavailable. Please try again shortly."}

    # when it comes back, the same app serves again (the pool tests each connection before use)
    db_proxy.restore()
    assert visitor.get("/products/hoodie").status_code == 200
    assert visitor.post("/cart/add.json", json={"sku": "TEE-M", "quantity": 1}).status_code == 200
    assert customer.get("/account/").status_code == 200


def test_a_page_made_before_the_database_went_away_is_still_served(
    db_faulty_app: Flask, db_proxy: FaultProxy, shop: dict[str, Product]
) -> None:
    # given the database goes away just after a page was rendered, while its transaction is still open
    cut_after_next = threading.Event()

    @db_faulty_app.after_request
    def cut_the_database(response: Any) -> Any:
        if cut_after_next.is_set():
            db_proxy.cut()
        return response

    client = db_faulty_app.test_client()
    cut_after_next.set()

    # when the request ends (its session rolls back on a connection that is gone)
    response = client.get("/products/hoodie")

    # then the page still goes out, and the next request gets the friendly 503
    assert response.status_code == 200
    assert_friendly_503(client.get("/products/tee"))
    db_proxy.restore()
    assert client.get("/products/tee").status_code == 200


def test_under_load_every_answer_is_200_or_a_friendly_503_while_the_database_comes_and_goes(
    db_faulty_app: Flask, db_proxy: FaultProxy, shop: dict[str, Product]
) -> None:
    # given four shoppers browsing and filling carts at once
    stop = threading.Event()
    answers: list[tuple[int, str]] = []
    failures: list[BaseException] = []

    def shopper(number: int) -> None:
        client = db_faulty_app.test_client()
        paths = ["/", "/products", "/products/hoodie", "/cart", "/healthz"]
        try:
            while not stop.is_set():
                for path in paths:
                    response = client.get(path)
                    answers.append((response.status_code, response.get_data(as_text=True)))
                response = client.post("/cart/add.json", json={"sku": "TEE-M", "quantity": 1})
                answers.append((response.status_code, response.get_data(as_text=True)))
        except BaseException as error:  # noqa: BLE001  (reported below, not lost in the thread)
            failures.append(error)

    threads = [threading.Thread(target=shopper, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()

    # when the database is cut and restored twice while they shop
    try:
        for _ in range(2):
            time.sleep(0.3)
            db_proxy.cut()
            time.sleep(0.3)
            db_proxy.restore()
        time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)

    # then every answer was a page or a friendly 503: no 500, no traceback
    assert failures == []
    statuses = {status for status, _ in answers}
    assert statuses <= {200, 503}, statuses
    assert 503 in statuses and 200 in statuses
    assert not any("Traceback" in body for _, body in answers)
    # and the shop serves normally afterwards
    assert db_faulty_app.test_client().get("/products").status_code == 200


# --- no half-written order -------------------------------------------------------------------------------


def _cut_when(app: Flask, proxy: FaultProxy, *, after_statement: str | None, before_commit: bool) -> None:
    """Cut the database once, right after a statement starting with `after_statement` runs, or right
    before the COMMIT of the transaction that ran it."""
    with app.app_context():
        engine = db.engine
    seen = threading.Event()
    done = threading.Event()

    def after_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if done.is_set() or not statement.lstrip().upper().startswith((after_statement or "").upper()):
            return
        seen.set()
        if not before_commit:
            done.set()
            proxy.cut()

    def on_commit(conn: Any) -> None:
        if before_commit and seen.is_set() and not done.is_set():
            done.set()
            proxy.cut()

    sa.event.listen(engine, "after_cursor_execute", after_execute)
    sa.event.listen(engine, "commit", on_commit)


def stock_of(sku: str) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(ProductVariant.stock_on_hand).where(ProductVariant.sku == sku))


def order_rows() -> tuple[int, int, int, int]:
    """(orders, order lines, discount redemptions, the code's uses) as the database holds them."""
    db.session.expire_all()
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Order)),
        db.session.scalar(sa.select(sa.func.count()).select_from(OrderLine)),
        db.session.scalar(sa.select(sa.func.count()).select_from(DiscountRedemption)),
        db.session.scalar(sa.select(DiscountCode.uses_count).where(DiscountCode.code == "SPORES10")),
    )


@pytest.mark.parametrize(
    ("after_statement", "before_commit"),
    [
        ('INSERT INTO "order" ', False),  # mid-transaction: the lines and the stock never get written
        ('INSERT INTO "order" ', True),  # everything written, the COMMIT never arrives
        ("INSERT INTO discount_redemption", True),
    ],
    ids=["after-the-order-insert", "before-the-commit", "after-the-code-use-before-commit"],
)
def test_a_checkout_cut_mid_transaction_leaves_a_whole_order_or_none(
    db_faulty_app: Flask,
    db_proxy: FaultProxy,
    shop: dict[str, Product],
    after_statement: str,
    before_commit: bool,
) -> None:
    # given a cart with two hoodies, a mug and a 10% code
    make_code("SPORES10", scope="merchandise")
    client = db_faulty_app.test_client()
    add(client, "HOODIE-M", 2)
    add(client, "MUG", 1)
    assert client.post("/cart/discount.json", json={"code": "SPORES10"}).status_code == 200
    form = checkout_form(client)

    # when the database goes away in the middle of placing the order
    _cut_when(db_faulty_app, db_proxy, after_statement=after_statement, before_commit=before_commit)
    response = client.post("/checkout", data=form)

    # then the shopper sees the friendly 503, and nothing of the order exists: no order, no lines, no
    # stock taken, no use of the code
    assert_friendly_503(response)
    db_proxy.restore()
    assert order_rows() == (0, 0, 0, 0)
    assert (stock_of("HOODIE-M"), stock_of("MUG")) == (10, 3)

    # and sending the same form again once it is back places the whole order, once
    placed = client.post("/checkout", data=form)
    assert placed.status_code == 303, placed.get_data(as_text=True)[:500]
    assert dev_pay(client, placed.headers["Location"]).status_code == 303
    assert order_rows() == (1, 2, 1, 1)
    assert (stock_of("HOODIE-M"), stock_of("MUG")) == (8, 2)
