"""Downloads with the guides in an S3-compatible bucket (a real S3 HTTP server): the same links, counts,
limits, expiry, ranges and file name as from the local folder, streamed through the app."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.extensions import db
from shop.storage import guide_storage
from tests.downloads.test_counting import (  # noqa: F401  (run again here, on the S3 backend)
    test_a_link_serves_exactly_its_limit_through_the_view,
    test_resumed_downloads_are_free,
    test_the_count_matches_what_werkzeug_sends,
)
from tests.downloads.test_downloads import (  # noqa: F401  (run again here, on the S3 backend)
    grant_for,
    issue,
    test_a_full_get_serves_the_pdf_and_counts,
    test_a_missing_file_is_a_clear_404,
    test_an_expired_link_is_a_410_with_a_fresh_link_form,
    test_the_limit_is_enforced_with_a_403_and_a_fresh_link_form,
)
from tests.s3_server import objects


@pytest.fixture
def app(make_app: Callable[..., Flask], s3_config: dict[str, Any]) -> Iterator[Flask]:
    """Every test here, and the fixtures it uses (the guide and its PDF), on the S3 backend."""
    app = make_app(**s3_config)
    with app.app_context():
        yield app


def test_the_guide_is_in_the_bucket_not_on_disk(app: Flask, guide, s3_config: dict[str, Any]) -> None:
    stored = objects(s3_config["S3_ENDPOINT_URL"], s3_config["S3_BUCKET"])

    assert list(stored) == ["guides/workbook.pdf"]
    assert stored["guides/workbook.pdf"].startswith(b"%PDF")


def test_a_large_guide_streams_whole_and_resumes_from_the_middle(client: FlaskClient, guide) -> None:
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 12_000 + b"\n%%EOF\n"  # about 3 MB
    guide_storage().save("big.pdf", pdf)
    guide.guide_file = "big.pdf"
    db.session.commit()
    token = issue(guide, max_downloads=2)

    with client.get(f"/downloads/{token}") as whole:
        assert whole.status_code == 200
        assert whole.headers["Content-Length"] == str(len(pdf))
        assert whole.data == pdf
        etag = whole.headers["ETag"]
    with client.get(f"/downloads/{token}", headers={"Range": "bytes=1500000-", "If-Range": etag}) as rest:
        assert rest.status_code == 206
        assert rest.data == pdf[1_500_000:]

    assert grant_for(token).download_count == 1
