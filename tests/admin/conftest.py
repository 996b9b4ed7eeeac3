"""Fixtures for the staff pages: their orders are placed with the development payment provider, whose
refunds run offline."""

import pytest


@pytest.fixture
def payment_provider() -> str:
    return "dev"
