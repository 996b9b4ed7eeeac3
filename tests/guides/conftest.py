"""Fixtures for the guide gate: the free guide with its PDF on disk."""

import pytest
from flask import Flask

from shop.catalog.models import Product
from tests.guides.helpers import make_free_guide


@pytest.fixture
def guide(app: Flask) -> Product:
    return make_free_guide()
