"""The demo catalog: what docs/rules.md#demo-catalog lists, loaded idempotently, real PDFs outside static/."""

from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from shop.catalog.demo_catalog import seed_demo_catalog
from shop.catalog.models import Product, ProductVariant
from shop.discounts.models import DiscountCode
from shop.extensions import db
from shop.storage import guide_storage

EXPECTED = {
    "GUIDE-ESSENTIAL": (0, None),
    "GUIDE-WORKBOOK": (1_900, None),
    "GUIDE-INTEGRATION": (1_400, None),
    "JOURNAL-PRINTED": (2_400, 50),
    **{f"TEE-MYCELIUM-{size}": (3_200, 20) for size in ("S", "M", "L", "XL")},
    **{f"HOODIE-SPORE-{size}": (6_800, 10) for size in ("S", "M", "L", "XL")},
    "MUG-ENAMEL": (1_800, 40),
    "INFUSER-TEA": (1_200, 60),
    "TOTE-CANVAS": (2_200, 30),
    "POSTER-FIELD": (2_800, 25),
}


def variants() -> dict[str, tuple[int, int | None]]:
    rows = db.session.execute(
        sa.select(ProductVariant.sku, ProductVariant.price_cents, ProductVariant.stock_on_hand)
    )
    return {sku: (price, stock) for sku, price, stock in rows}


def test_seed_loads_the_demo_catalog(app: Flask) -> None:
    seed_demo_catalog(guide_storage())

    assert variants() == EXPECTED
    essential = db.session.scalar(sa.select(Product).where(Product.slug == "essential-guide-to-microdosing"))
    assert essential.is_lead_magnet and essential.is_digital


def test_seed_is_idempotent_and_keeps_staff_changes(app: Flask) -> None:
    seed_demo_catalog(guide_storage())
    mug = db.session.scalar(sa.select(ProductVariant).where(ProductVariant.sku == "MUG-ENAMEL"))
    mug.stock_on_hand = 7
    db.session.commit()

    created = seed_demo_catalog(guide_storage())

    assert created == {"categories": 0, "products": 0, "variants": 0, "files": 0}
    assert variants()["MUG-ENAMEL"] == (1_800, 7)
    assert db.session.scalar(sa.select(sa.func.count(Product.id))) == 10


def test_seed_writes_real_pdfs_outside_static(app: Flask) -> None:
    seed_demo_catalog(guide_storage())

    storage_dir = Path(app.config["GUIDE_STORAGE_DIR"]).resolve()
    static_dir = Path(app.static_folder).resolve()
    assert static_dir not in storage_dir.parents
    guides = db.session.scalars(sa.select(Product).where(Product.kind == "digital")).all()
    assert len(guides) == 3
    for guide in guides:
        data = guide_storage().read(guide.guide_file)
        assert data.startswith(b"%PDF-1.4")
        assert data.rstrip().endswith(b"%%EOF")
        assert b"/Type /Page" in data


def test_seed_command(app: Flask) -> None:
    runner = app.test_cli_runner()

    first = runner.invoke(args=["shop", "seed", "--if-empty"])
    second = runner.invoke(args=["shop", "seed", "--if-empty"])

    assert "10 products" in first.output
    assert "nothing seeded" in second.output
    assert len(variants()) == len(EXPECTED)


def test_storage_refuses_keys_that_are_paths(app: Flask) -> None:
    import pytest

    storage = guide_storage()
    for key in ("../secret.pdf", "a/b.pdf", ".hidden", ""):
        with pytest.raises(ValueError):
            storage.path_for(key)
        assert storage.exists(key) is False


def test_seed_creates_the_demo_discount_code_once(app: Flask) -> None:
    runner = app.test_cli_runner()

    first = runner.invoke(args=["shop", "seed"])
    second = runner.invoke(args=["shop", "seed"])

    assert "Seeded 1 discount code(s) (SPORES10" in first.output
    assert "Seeded 0 discount code(s)" in second.output
    [code] = db.session.scalars(sa.select(DiscountCode)).all()
    assert (code.code, code.percent_bp, code.scope) == ("SPORES10", 1_000, "merchandise")
    assert (code.min_subtotal_cents, code.usage_limit, code.ends_at, code.starts_at) == (0, None, None, None)
