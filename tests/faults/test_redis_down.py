"""Redis away (docs/architecture.md#when-a-dependency-is-down): the shop keeps selling, the page cache and
the rate limits fall back to each process's memory with one log line (not one per request), calls to a
silent Redis give up quickly, and Redis is used again once it is back."""

import logging
import time
from collections.abc import Callable, Iterator

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from shop.catalog.models import Product
from shop.extensions import db, limiter
from shop.orders.models import Order
from tests.checkout_helpers import add, dev_pay, place
from tests.fault_proxy import FaultProxy

pytestmark = pytest.mark.postgres


def redis_keys(redis_target: tuple[str, int, int], pattern: str) -> list[bytes]:
    host, port, number = redis_target
    client = redis.Redis(host=host, port=port, db=number)
    try:
        return list(client.scan_iter(match=pattern))
    finally:
        client.close()


def eventually(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def buy_a_tee(app: Flask) -> None:
    """Browse, fill a cart and pay through the dev provider; every step must succeed."""
    client = app.test_client()
    for path in ("/", "/products", "/products/tee", "/products/hoodie"):
        response = client.get(path)
        assert response.status_code == 200, path
    add(client, "TEE-M", 1)
    assert client.get("/cart").status_code == 200
    placed = place(client)
    assert placed.status_code == 303, placed.get_data(as_text=True)[:300]
    paid = dev_pay(client, placed.headers["Location"])
    assert paid.status_code == 303
    assert client.get(paid.headers["Location"]).status_code == 200


@pytest.fixture(autouse=True)
def limiter_storage_alive_afterwards() -> Iterator[None]:
    """The limiter is one object every app in this process shares: leave it believing its storage is up
    for the next test's app (a real process has one app, and the flag is its own)."""
    yield
    limiter._storage_dead = False


def test_the_shop_keeps_selling_with_redis_cut_logs_it_once_and_uses_redis_again_when_back(
    redis_faulty_app: Flask,
    redis_proxy: FaultProxy,
    redis_target: tuple[str, int, int],
    shop: dict[str, Product],
    caplog: pytest.LogCaptureFixture,
) -> None:
    prefix = redis_faulty_app.config["CACHE_KEY_PREFIX"]
    limits_prefix = redis_faulty_app.config["RATELIMIT_STORAGE_OPTIONS"]["key_prefix"]

    # given Redis gone (connections reset, new ones refused)
    redis_proxy.cut()

    # when three shoppers browse, fill carts and pay
    caplog.set_level(logging.INFO)
    for _ in range(3):
        buy_a_tee(redis_faulty_app)

    # then all three orders are paid
    db.session.expire_all()
    assert [order.status for order in db.session.scalars(sa.select(Order))] == ["paid"] * 3
    # and the outage was logged once by the page cache and once by the rate limits, not per request
    messages = [record.getMessage() for record in caplog.records]
    assert sum("page cache: Redis unreachable" in message for message in messages) == 1
    assert sum("Rate limit storage unreachable" in message for message in messages) == 1
    assert not any(record.levelno >= logging.ERROR for record in caplog.records)

    # when Redis is back
    caplog.clear()
    redis_proxy.restore()

    # then the page cache writes to it again, and the rate limits count there again
    client = redis_faulty_app.test_client()

    def cache_keys_written() -> bool:
        client.get("/products?page=1")
        return bool(redis_keys(redis_target, f"{prefix}*"))

    def limits_counted_in_redis() -> bool:
        client.post("/cart/discount.json", json={"code": "NOPE"})
        return bool(redis_keys(redis_target, f"{limits_prefix}*"))

    assert eventually(cache_keys_written)
    assert eventually(limits_counted_in_redis, seconds=40)
    messages = [record.getMessage() for record in caplog.records]
    assert "page cache: Redis answers again" in messages
    assert "Rate limit storage recovered" in messages


def test_the_rate_limits_still_hold_in_memory_while_redis_is_away(
    redis_faulty_app: Flask, redis_proxy: FaultProxy, shop: dict[str, Product]
) -> None:
    # given Redis gone
    redis_proxy.cut()

    # when one visitor guesses discount codes as fast as they can (DISCOUNT_RATE_LIMIT: 20 a minute)
    client = redis_faulty_app.test_client()
    statuses = [client.post("/cart/discount.json", json={"code": f"GUESS{n}"}).status_code for n in range(22)]

    # then they are still stopped, by the process's own count
    assert 429 not in statuses[:20]
    assert statuses[20:] == [429, 429]


def test_a_silent_redis_costs_a_request_a_timeout_once_not_on_every_call(
    redis_faulty_app: Flask, redis_proxy: FaultProxy, shop: dict[str, Product]
) -> None:
    # given Redis silent: connections stay open and nothing comes back
    client = redis_faulty_app.test_client()
    assert client.get("/products/tee").status_code == 200
    redis_proxy.black_hole()

    # when a visitor looks at ten pages
    started = time.perf_counter()
    statuses = [client.get(path).status_code for path in ["/products", "/products/hoodie", "/"] * 3]
    statuses.append(client.post("/cart/add.json", json={"sku": "TEE-M", "quantity": 1}).status_code)
    seconds = time.perf_counter() - started

    # then every page is served, and the silence cost about one REDIS_TIMEOUT_SECONDS for the page
    # cache and one for the rate limits, not one per Redis call (a few dozen calls were made)
    assert set(statuses) == {200}
    timeout = redis_faulty_app.config["REDIS_TIMEOUT_SECONDS"]
    assert seconds < 6 * timeout + 2
