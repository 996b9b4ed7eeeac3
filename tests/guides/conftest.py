"""Fixtures for the guide gate: the free guide with its PDF on disk."""

import pytest
from flask import Flask

from shop.catalog.demo_pdf import render_text_pdf
from shop.catalog.models import Product
from shop.extensions import db
from shop.storage import guide_storage
from tests.factories import make_guide
from tests.guides.helpers import GUIDE_SLUG


@pytest.fixture
def guide(app: Flask) -> Product:
    product = make_guide(
        name="The Essential Guide", slug=GUIDE_SLUG, sku="GUIDE-FREE", price_cents=0, is_lead_magnet=True
    )
    product.guide_file = "essential.pdf"
    db.session.commit()
    guide_storage().save("essential.pdf", render_text_pdf("Essential", ["Page one."]))
    return product
