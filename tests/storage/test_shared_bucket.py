"""On the S3 backend every host reads the same bucket: an image uploaded through one is served by another,
the demo seed writes its guides there, and `flask shop storage-sync` copies a host's folders into it."""

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from shop.accounts.models import Role
from shop.catalog.models import Product
from shop.extensions import db
from shop.storage import LocalFileStorage
from tests.admin.helpers import client_as
from tests.downloads.test_downloads import grant_for, issue
from tests.factories import make_product
from tests.s3_server import objects

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_an_image_uploaded_on_one_host_is_served_by_another(
    make_app: Callable[..., Flask], s3_config: dict[str, Any], tmp_path: Path
) -> None:
    first = make_app(**s3_config)
    second = make_app(**s3_config, MEDIA_STORAGE_DIR=str(tmp_path / "other-host-media"))
    with first.app_context():
        product = make_product(slug="mug", sku="MUG")
        uploaded = client_as(first, Role.STAFF).post(
            f"/admin/products/{product.id}/image",
            data={"image": (io.BytesIO(PNG), "mug.png"), "image_alt": "A mug"},
            content_type="multipart/form-data",
        )
        assert uploaded.status_code == 303
        db.session.expire_all()
        path = db.session.get(Product, product.id).image_path

    with second.test_client().get("/" + path) as served:
        assert served.status_code == 200
        assert served.mimetype == "image/png"
        assert served.data == PNG
        assert served.headers["Content-Security-Policy"] == "default-src 'none'"
        assert "immutable" in served.headers["Cache-Control"]
    assert objects(s3_config["S3_ENDPOINT_URL"], s3_config["S3_BUCKET"]) == {path: PNG}
    assert second.test_client().get("/media/0123456789abcdef01234567.png").status_code == 404


def test_the_demo_seed_writes_its_guides_to_the_bucket_and_they_download(
    s3_app: Flask, s3_config: dict[str, Any]
) -> None:
    seeded = s3_app.test_cli_runner().invoke(args=["shop", "seed"])

    assert "Seeded demo catalog" in seeded.output, seeded.output
    guides = db.session.scalars(sa.select(Product).where(Product.kind == "digital")).all()
    stored = objects(s3_config["S3_ENDPOINT_URL"], s3_config["S3_BUCKET"])
    assert sorted(stored) == sorted(f"guides/{guide.guide_file}" for guide in guides)
    assert all(data.startswith(b"%PDF-1.4") for data in stored.values())
    token = issue(guides[0])
    with s3_app.test_client().get(f"/downloads/{token}") as response:
        assert response.status_code == 200 and response.data == stored[f"guides/{guides[0].guide_file}"]
    assert grant_for(token).download_count == 1


def test_storage_sync_copies_this_hosts_folders_into_the_bucket_once(
    s3_app: Flask, s3_config: dict[str, Any]
) -> None:
    LocalFileStorage(s3_app.config["GUIDE_STORAGE_DIR"]).save("old.pdf", b"%PDF-old")
    LocalFileStorage(s3_app.config["MEDIA_STORAGE_DIR"]).save("old.png", PNG)
    runner = s3_app.test_cli_runner()

    first = runner.invoke(args=["shop", "storage-sync"])
    second = runner.invoke(args=["shop", "storage-sync"])

    assert first.exit_code == 0, first.output
    assert "guide PDFs: copied 1" in first.output and "product images: copied 1" in first.output
    assert "copied 0" in second.output and "1 already there" in second.output
    stored = objects(s3_config["S3_ENDPOINT_URL"], s3_config["S3_BUCKET"])
    assert stored == {"guides/old.pdf": b"%PDF-old", "media/old.png": PNG}


def test_storage_sync_on_the_local_backend_copies_nothing(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["shop", "storage-sync"])

    assert result.exit_code == 0
    assert "nothing to copy" in result.output
