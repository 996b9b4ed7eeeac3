"""/downloads/<token> is rate-limited per IP (DOWNLOAD_RATE_LIMIT), whatever the token and the method."""

from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask

from shop.downloads.models import DownloadEvent
from shop.extensions import db


def test_download_requests_are_limited_per_ip_with_a_readable_page(make_app: Callable[..., Flask]) -> None:
    # given a limit of three a minute
    app = make_app(DOWNLOAD_RATE_LIMIT="3 per minute")
    client = app.test_client()
    other_visitor = app.test_client()

    # when one address asks four times (unknown tokens and HEAD count like the rest)
    statuses = [
        client.get("/downloads/a").status_code,
        client.head("/downloads/b").status_code,
        client.get("/downloads/c").status_code,
    ]
    refused = client.get("/downloads/d")

    # then the fourth gets 429 with the shop's page; another address is not affected
    assert statuses == [404, 404, 404]
    assert refused.status_code == 429
    assert "tried that too many times" in refused.get_data(as_text=True)
    assert other_visitor.get("/downloads/e", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DownloadEvent)) == 0
