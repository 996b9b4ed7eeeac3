"""Invoice tests place their orders with the development provider, whose refunds run offline."""

import pytest


@pytest.fixture
def payment_provider() -> str:
    return "dev"
