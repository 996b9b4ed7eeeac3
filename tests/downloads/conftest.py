"""Fixtures for download tests: a published guide whose PDF is in storage."""

import pytest
from flask import Flask

from shop.catalog.demo_pdf import render_text_pdf
from shop.catalog.models import Product
from shop.extensions import db
from shop.storage import guide_storage
from tests.factories import make_guide


@pytest.fixture
def guide(app: Flask) -> Product:
    product = make_guide(name="90-Day Workbook", slug="workbook", sku="GUIDE-WB")
    product.guide_file = "workbook.pdf"
    db.session.commit()
    guide_storage().save("workbook.pdf", render_text_pdf("Workbook", ["Page one."]))
    return product
