"""Shared fixtures, loaded for every test through `pytest_plugins` in tests/conftest.py: the small shop,
orders in each state, logged-in clients, and an S3-compatible server with a bucket per test."""

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.accounts.models import Role, User
from shop.catalog.models import Product
from shop.orders.models import Order
from shop.pricing import TaxRate
from tests.accounts.customers import make_customer
from tests.accounts.helpers import log_in
from tests.admin.helpers import client_as
from tests.order_factory import make_paid_order, make_pending_order, make_shop, next_session_id
from tests.order_factory import pay as pay_order
from tests.s3_server import new_bucket, s3_settings, threaded_moto_server

# What the order and client fixtures hand a test: call them to make as many as the test needs.
OrderFactory = Callable[..., Order]
PayOrder = Callable[..., Order]
ClientFactory = Callable[..., FlaskClient]


@pytest.fixture
def shop(app: Flask) -> dict[str, Product]:
    """The small shop of tests/order_factory.py: hoodies, a tee, a mug (3 left) and a paid guide."""
    return make_shop()


@pytest.fixture
def payment_provider() -> str:
    """The provider the `pending_order` fixture's orders were placed with; staff tests override it with
    "dev", whose refunds run offline."""
    return "stripe"


@pytest.fixture
def pending_order(shop: dict[str, Product], payment_provider: str) -> OrderFactory:
    """Make pending orders, each with a payment session of its own: `pending_order(("TEE-M", 1), user=…)`."""

    def make(*items: tuple[str, int], email: str = "ana@example.com", user: User | None = None) -> Order:
        return make_pending_order(
            *items,
            email=email,
            session_id=next_session_id(payment_provider),
            provider=payment_provider,
            user_id=user.id if user is not None else None,
        )

    return make


@pytest.fixture
def pay() -> PayOrder:
    """Pay an order through the webhook's path: `pay(order)`, `pay(order, paid_at=…)` to backdate it."""
    return pay_order


@pytest.fixture
def paid_order(shop: dict[str, Product], payment_provider: str) -> OrderFactory:
    """Make paid orders: `paid_order(("GUIDE-WB", 1), email=…, user=…, paid_at=…, tax_rate=…)`."""

    def make(
        *items: tuple[str, int],
        email: str = "ana@example.com",
        user: User | None = None,
        paid_at: datetime | None = None,
        tax_rate: TaxRate | None = None,
    ) -> Order:
        user_id = user.id if user is not None else None
        return make_paid_order(
            *items,
            email=email,
            provider=payment_provider,
            user_id=user_id,
            paid_at=paid_at,
            tax_rate=tax_rate,
        )

    return make


@pytest.fixture
def customer_client(app: Flask) -> ClientFactory:
    """Log in customers: `customer_client()` is Ana, confirmed; `customer_client("bo@…", confirmed=False)`."""

    def log_in_customer(email: str = "ana@example.com", *, confirmed: bool = True) -> FlaskClient:
        make_customer(email, confirmed=confirmed)
        client = app.test_client()
        assert log_in(client, email=email).status_code == 303
        return client

    return log_in_customer


@pytest.fixture
def staff_client(app: Flask) -> FlaskClient:
    """A logged-in staff member (staff@example.com)."""
    return client_as(app, Role.STAFF)


@pytest.fixture
def admin_client(app: Flask) -> FlaskClient:
    """A logged-in admin (admin@example.com): gets past every login and role check."""
    return client_as(app, Role.ADMIN)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The S3-compatible server's address: S3_TEST_ENDPOINT_URL, or moto started in this process."""
    if url := os.environ.get("S3_TEST_ENDPOINT_URL"):
        yield url
        return
    with threaded_moto_server() as url:
        yield url


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A new, empty bucket for this test."""
    return new_bucket(s3_endpoint)


@pytest.fixture
def s3_config(s3_endpoint: str, s3_bucket: str) -> dict[str, Any]:
    """`make_app(**s3_config)` builds an app whose guides and images live in this test's bucket."""
    return s3_settings(s3_endpoint, s3_bucket)


@pytest.fixture
def s3_app(make_app: Callable[..., Flask], s3_config: dict[str, Any]) -> Iterator[Flask]:
    app = make_app(**s3_config)
    with app.app_context():
        yield app
