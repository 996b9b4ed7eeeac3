"""Admin product management: create, edit, publish, stock with reasons, uploads, audit."""

import io
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop.accounts.models import Role
from shop.audit.models import AuditEvent
from shop.catalog.demo_pdf import render_text_pdf
from shop.catalog.models import Product, ProductVariant, StockAdjustment
from shop.extensions import db
from tests.admin.helpers import client_as
from tests.factories import make_category, make_guide, make_product

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def staff(app: Flask) -> FlaskClient:
    make_category("apparel", "Apparel")
    make_category("guides", "Guides")
    db.session.commit()
    return client_as(app, Role.STAFF)


def audit_actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def new_product_form(**overrides: str) -> dict[str, str]:
    form = {
        "kind": "physical",
        "name": "Field Socks",
        "slug": "",
        "category": "apparel",
        "summary": "Warm socks.",
        "description": "Wool.\n\nMade well.",
        "image_alt": "Grey socks",
        "sku": "socks-field",
        "price": "14.50",
        "initial_stock": "12",
    }
    return {**form, **overrides}


def test_staff_create_a_hidden_product_then_publish_it(
    app: Flask, staff: FlaskClient, client: FlaskClient
) -> None:
    response = staff.post("/admin/products/new", data=new_product_form())

    assert response.status_code == 303
    product = db.session.scalar(sa.select(Product).where(Product.slug == "field-socks"))
    assert product.is_published is False
    assert [(v.sku, v.price_cents, v.stock_on_hand) for v in product.variants] == [("SOCKS-FIELD", 1_450, 12)]
    assert client.get("/products/field-socks").status_code == 404

    staff.post(f"/admin/products/{product.id}/publish", data={"publish": "1"})

    assert "Field Socks" in client.get("/products/field-socks").get_data(as_text=True)
    assert audit_actions() == ["product.create", "product.publish"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"price": "12.345"}, "like 68 or 68.50"),
        ({"price": "-3"}, "like 68 or 68.50"),
        ({"price": "abc"}, "like 68 or 68.50"),
        ({"price": ""}, "Enter a price"),
        ({"name": ""}, "Enter a name"),
        ({"slug": "Bad Slug!"}, "lowercase letters"),
        ({"sku": "has space"}, "capital letters"),
        ({"category": "weapons"}, "Not a valid choice"),
        ({"initial_stock": "-1"}, "Number must be between"),
        ({"kind": "magic"}, "Not a valid choice"),
    ],
)
def test_bad_product_input_is_a_400_with_the_reason(
    staff: FlaskClient, overrides: dict[str, str], message: str
) -> None:
    response = staff.post("/admin/products/new", data=new_product_form(**overrides))

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Product.id))) == 0


def test_duplicate_slug_and_sku_are_refused(app: Flask, staff: FlaskClient) -> None:
    make_product(slug="field-socks", sku="OTHER")
    make_product(slug="other", sku="SOCKS-FIELD")

    taken_slug = staff.post("/admin/products/new", data=new_product_form(sku="NEW-SKU"))
    taken_sku = staff.post("/admin/products/new", data=new_product_form(slug="brand-new"))

    assert "already uses that address" in taken_slug.get_data(as_text=True)
    assert "already uses that SKU" in taken_sku.get_data(as_text=True)


def test_a_digital_guide_cannot_be_published_without_its_pdf(app: Flask, staff: FlaskClient) -> None:
    staff.post(
        "/admin/products/new", data=new_product_form(kind="digital", category="guides", name="New Guide")
    )
    guide = db.session.scalar(sa.select(Product).where(Product.slug == "new-guide"))
    assert guide.variants[0].stock_on_hand is None

    refused = staff.post(f"/admin/products/{guide.id}/publish", data={"publish": "1"})
    staff.post(
        f"/admin/products/{guide.id}/guide",
        data={"pdf": (io.BytesIO(render_text_pdf("New", ["Hi."])), "new.pdf")},
        content_type="multipart/form-data",
    )
    staff.post(f"/admin/products/{guide.id}/publish", data={"publish": "1"})

    assert refused.status_code == 400 and "Upload the guide" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Product, guide.id).is_published


def test_editing_details_is_audited_and_visible(app: Flask, staff: FlaskClient, client: FlaskClient) -> None:
    product = make_product(name="Old Name", slug="old", category="apparel")
    client.get("/products/old")  # cached

    response = staff.post(
        f"/admin/products/{product.id}",
        data={
            "name": "New Name",
            "slug": "old",
            "category": "apparel",
            "summary": "S",
            "description": "D",
            "image_alt": "A",
        },
    )

    assert response.status_code == 303
    assert "<h1>New Name</h1>" in client.get("/products/old").get_data(as_text=True)
    assert audit_actions() == ["product.update"]


def test_stock_adjustments_need_a_reason_and_never_go_negative(app: Flask, staff: FlaskClient) -> None:
    product = make_product(sku="MUG", stock=4)
    variant_id = product.variants[0].id

    no_reason = staff.post(f"/admin/variants/{variant_id}/stock", data={"delta": "5", "reason": ""})
    too_many = staff.post(f"/admin/variants/{variant_id}/stock", data={"delta": "-5", "reason": "broken"})
    not_a_number = staff.post(f"/admin/variants/{variant_id}/stock", data={"delta": "lots", "reason": "x"})
    ok = staff.post(
        f"/admin/variants/{variant_id}/stock", data={"delta": "-3", "reason": "damaged in transit"}
    )

    assert no_reason.status_code == 400 and "Say why" in no_reason.get_data(as_text=True)
    assert too_many.status_code == 400 and "Only 4 in stock" in too_many.get_data(as_text=True)
    assert not_a_number.status_code == 400
    assert ok.status_code == 303
    db.session.expire_all()
    assert db.session.get(ProductVariant, variant_id).stock_on_hand == 1
    [adjustment] = db.session.scalars(sa.select(StockAdjustment)).all()
    assert (adjustment.delta, adjustment.stock_after, adjustment.reason) == (-3, 1, "damaged in transit")
    assert audit_actions() == ["stock.adjust"]


def test_variant_price_edit(app: Flask, staff: FlaskClient) -> None:
    product = make_product(sku="MUG", price_cents=1_800)
    variant = product.variants[0]

    bad = staff.post(f"/admin/variants/{variant.id}", data={"sku": "MUG", "price": "12,3.4.5"})
    good = staff.post(f"/admin/variants/{variant.id}", data={"sku": "MUG", "price": "$1,234.5"})

    assert bad.status_code == 400
    assert good.status_code == 303
    db.session.expire_all()
    assert db.session.get(ProductVariant, variant.id).price_cents == 123_450


def test_adding_a_size(app: Flask, staff: FlaskClient) -> None:
    product = make_product(sku="TEE", sizes=("S",), stock=3)

    response = staff.post(
        f"/admin/products/{product.id}/variants",
        data={
            "sku": "TEE-XXL",
            "option_name": "Size",
            "option_value": "XXL",
            "price": "32",
            "initial_stock": "7",
        },
    )

    assert response.status_code == 303
    db.session.expire_all()
    assert [(v.sku, v.stock_on_hand) for v in db.session.get(Product, product.id).variants] == [
        ("TEE-S", 3),
        ("TEE-XXL", 7),
    ]


def test_image_upload_checks_the_content_not_the_name(
    app: Flask, staff: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = make_product(slug="mug", sku="MUG")
    monkeypatch.setattr("shop.media.MAX_IMAGE_BYTES", 1_000)  # small, so the test upload stays in memory

    liar = staff.post(
        f"/admin/products/{product.id}/image",
        data={"image": (io.BytesIO(b"<script>alert(1)</script>"), "photo.png", "image/png")},
        content_type="multipart/form-data",
    )
    huge = staff.post(
        f"/admin/products/{product.id}/image",
        data={"image": (io.BytesIO(PNG + b"\x00" * 2_000), "big.png")},
        content_type="multipart/form-data",
    )
    good = staff.post(
        f"/admin/products/{product.id}/image",
        data={"image": (io.BytesIO(PNG), "mug.png"), "image_alt": "A mug"},
        content_type="multipart/form-data",
    )

    assert liar.status_code == 400 and "not a PNG, JPEG or WebP" in liar.get_data(as_text=True)
    assert huge.status_code == 400 and "larger than 1000 bytes" in huge.get_data(as_text=True)
    assert good.status_code == 303
    db.session.expire_all()
    path = db.session.get(Product, product.id).image_path
    assert path.startswith("media/") and path.endswith(".png")
    with staff.get("/" + path) as served:
        assert served.status_code == 200 and served.mimetype == "image/png"
        assert served.headers["Content-Security-Policy"] == "default-src 'none'"


def test_guide_upload_must_be_a_pdf(app: Flask, staff: FlaskClient) -> None:
    guide = make_guide(slug="wb", sku="WB")

    fake = staff.post(
        f"/admin/products/{guide.id}/guide",
        data={"pdf": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "guide.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )

    assert fake.status_code == 400
    assert "not a complete PDF" in fake.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Product, guide.id).guide_file is None


def test_markup_in_product_names_is_escaped_in_admin_pages(app: Flask, staff: FlaskClient) -> None:
    make_product(name="<img src=x onerror=alert(1)>", slug="evil", sku="EVIL")

    page = staff.get("/admin/products").get_data(as_text=True)

    assert "<img src=x onerror" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_audit_log_page_lists_staff_actions(app: Flask, staff: FlaskClient) -> None:
    product = make_product(sku="MUG", stock=4)
    staff.post(f"/admin/variants/{product.variants[0].id}/stock", data={"delta": "6", "reason": "delivery"})

    page = client_as(app, Role.ADMIN).get("/admin/audit").get_data(as_text=True)  # admins read the log

    assert "staff@example.com" in page
    assert "MUG: +6 (delivery), now 10" in page


def test_dashboard_lists_low_stock(app: Flask, staff: FlaskClient) -> None:
    make_product(name="Rare Poster", sku="POSTER", stock=2)
    make_product(name="Plenty Mug", sku="MUG", stock=40)

    page = staff.get("/admin/").get_data(as_text=True)

    assert "Rare Poster" in page
    assert "Plenty Mug" not in page


def test_staff_set_a_products_sales_tax_type(app: Flask, staff: FlaskClient) -> None:
    # given a new physical product, which defaults to housewares for tax
    staff.post("/admin/products/new", data=new_product_form())
    product = db.session.scalar(sa.select(Product).where(Product.slug == "field-socks"))
    assert product.tax_type is None and product.effective_tax_type == "housewares"

    # when staff mark it apparel
    details = {
        "name": "Field Socks",
        "slug": "field-socks",
        "category": "apparel",
        "summary": "Warm socks.",
        "image_alt": "Grey socks",
    }
    response = staff.post(f"/admin/products/{product.id}", data={**details, "tax_type": "apparel"})
    refused = staff.post(f"/admin/products/{product.id}", data={**details, "tax_type": "food"})

    # then Stripe Tax will get the apparel code, and a made-up type is refused
    assert response.status_code == 303
    assert refused.status_code == 400
    db.session.expire_all()
    assert db.session.get(Product, product.id).effective_tax_type == "apparel"
    page = staff.get(f"/admin/products/{product.id}").get_data(as_text=True)
    assert '<option selected value="apparel">Apparel</option>' in page


def test_dashboard_lists_the_ten_lowest_stock_items_and_counts_them_all(
    app: Flask, staff: FlaskClient
) -> None:
    for number in range(12):
        make_product(name=f"Scarce Print {number:02d}", sku=f"PRINT-{number:02d}", stock=number % 4)

    page = staff.get("/admin/").get_data(as_text=True)

    assert "Low stock (12)" in page
    assert page.count("Scarce Print") == 10
    assert "Scarce Print 03" in page and "Scarce Print 07" not in page  # lowest first, then by SKU


def test_the_dashboard_reuses_its_figures_for_a_while_and_says_so(make_app: Callable[..., Flask]) -> None:
    cached_app = make_app(ADMIN_DASHBOARD_CACHE_SECONDS=30)
    with cached_app.app_context():
        staff = client_as(cached_app, Role.STAFF)
        make_product(name="Rare Poster", sku="POSTER", stock=2)
        first = staff.get("/admin/").get_data(as_text=True)

        make_product(name="Scarce Mug", sku="MUG", stock=1)
        again = staff.get("/admin/").get_data(as_text=True)
        other_range = staff.get("/admin/?days=7").get_data(as_text=True)

    assert "within 30 seconds shows these figures again" in first
    assert "Rare Poster" in again and "Scarce Mug" not in again
    assert "Scarce Mug" in other_range
