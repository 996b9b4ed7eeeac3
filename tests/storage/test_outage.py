"""The object store down (connections refused, or accepted and never answered): pages and checkout work, a
download says "try again in a minute" (503, Retry-After, not counted), a staff upload is refused whole with a
form error, and each failure leaves a log line. Never a 500."""

import io
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop.accounts.models import Role
from shop.catalog.models import Product
from shop.downloads.models import DownloadEvent
from shop.extensions import db
from shop.journal.models import Article
from tests.admin.helpers import client_as
from tests.checkout_helpers import add, dev_pay, place
from tests.downloads.test_downloads import grant_for, issue
from tests.factories import make_guide, make_product
from tests.journal.helpers import make_article
from tests.s3_server import refusing_endpoint, s3_settings, silent_endpoint

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
UNAVAILABLE = "object store unavailable"


@pytest.fixture(params=["refused", "timeout"])
def app(request: pytest.FixtureRequest, make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """The shop with its bucket at an address that refuses connections, or that never answers."""
    quick = {"S3_MAX_ATTEMPTS": 1, "S3_CONNECT_TIMEOUT_SECONDS": 0.2, "S3_READ_TIMEOUT_SECONDS": 0.2}
    if request.param == "refused":
        app = make_app(**s3_settings(refusing_endpoint(), "shop-down", **quick))
        with app.app_context():
            yield app
        return
    with silent_endpoint() as endpoint:
        app = make_app(**s3_settings(endpoint, "shop-down", **quick))
        with app.app_context():
            yield app


@pytest.fixture
def products(app: Flask) -> dict[str, Product]:
    """A tee with an uploaded image, and a paid guide whose PDF is in the (unreachable) bucket."""
    tee = make_product(name="Mycelium Tee", slug="tee", sku="TEE", sizes=("M",), stock=20)
    tee.image_path = "media/0123456789abcdef01234567.png"
    guide = make_guide(name="90-Day Workbook", slug="workbook", sku="GUIDE-WB")
    guide.guide_file = "workbook.pdf"
    db.session.commit()
    return {"tee": tee, "guide": guide}


def failures(caplog: pytest.LogCaptureFixture) -> int:
    return sum(UNAVAILABLE in record.getMessage() for record in caplog.records)


def test_a_download_says_try_again_in_a_minute_and_costs_nothing(
    client: FlaskClient, products: dict[str, Product], caplog: pytest.LogCaptureFixture
) -> None:
    token = issue(products["guide"])

    for _ in range(2):
        response = client.get(f"/downloads/{token}")
        assert response.status_code == 503
        # A minute (the rate limiter rewrites the header in whole seconds to the same moment).
        assert 55 <= int(response.headers["Retry-After"]) <= 60
        assert "no-store" in response.headers["Cache-Control"]
        page = response.get_data(as_text=True)
        assert "Please try again in a minute" in page
        assert "did not count" in page

    assert grant_for(token).download_count == 0
    outcomes = db.session.scalars(sa.select(DownloadEvent.outcome)).all()
    assert outcomes == ["storage_unavailable", "storage_unavailable"]
    assert failures(caplog) == 2


def test_pages_and_checkout_still_work(client: FlaskClient, products: dict[str, Product]) -> None:
    assert client.get("/").status_code == 200
    assert client.get("/products").status_code == 200
    page = client.get("/products/tee")
    assert page.status_code == 200
    assert "/media/0123456789abcdef01234567.png" in page.get_data(as_text=True)
    assert client.get("/products/workbook").status_code == 200

    add(client, "TEE-M", 1)
    add(client, "GUIDE-WB", 1)
    assert client.get("/checkout").status_code == 200
    placed = place(client)
    paid = dev_pay(client, placed.headers["Location"])
    confirmation = client.get(paid.headers["Location"])

    assert placed.status_code == 303 and paid.status_code == 303
    assert confirmation.status_code == 200
    assert "Your order is confirmed" in confirmation.get_data(as_text=True)


def test_an_uploaded_image_answers_503_not_500(
    client: FlaskClient, products: dict[str, Product], caplog: pytest.LogCaptureFixture
) -> None:
    response = client.get("/media/0123456789abcdef01234567.png")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert "try again in a minute" in response.get_data(as_text=True)
    assert failures(caplog) == 1


def test_a_staff_upload_is_refused_whole_with_a_form_error(
    app: Flask, products: dict[str, Product], caplog: pytest.LogCaptureFixture
) -> None:
    staff = client_as(app, Role.STAFF)
    tee, guide = products["tee"], products["guide"]

    image = staff.post(
        f"/admin/products/{tee.id}/image",
        data={"image": (io.BytesIO(PNG), "new.png"), "image_alt": "A new tee"},
        content_type="multipart/form-data",
    )
    pdf = staff.post(
        f"/admin/products/{guide.id}/guide",
        data={"pdf": (io.BytesIO(PDF), "guide.pdf")},
        content_type="multipart/form-data",
    )

    for response in (image, pdf):
        assert response.status_code == 503
        assert "this file was not saved and nothing changed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Product, tee.id).image_path == "media/0123456789abcdef01234567.png"
    assert db.session.get(Product, tee.id).image_alt != "A new tee"
    assert db.session.get(Product, guide.id).guide_file == "workbook.pdf"
    assert failures(caplog) == 2


def test_an_article_hero_image_upload_is_refused_whole_and_the_article_still_shows(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    article = make_article(slug="pictured", hero_image_path="media/0123456789abcdef01234567.png")

    response = client_as(app, Role.STAFF).post(
        f"/admin/journal/{article.id}/image",
        data={"image": (io.BytesIO(PNG), "hero.png"), "image_alt": "Two people talking"},
        content_type="multipart/form-data",
    )

    assert response.status_code == 503
    assert "this file was not saved and nothing changed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Article, article.id).hero_image_path == "media/0123456789abcdef01234567.png"
    assert client.get("/journal/pictured").status_code == 200
    assert failures(caplog) == 1
