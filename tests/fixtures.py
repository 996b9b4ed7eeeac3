"""Shared fixtures, loaded for every test through `pytest_plugins` in tests/conftest.py: the small shop,
orders in each state, and logged-in clients."""

from collections.abc import Callable
from datetime import datetime

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
