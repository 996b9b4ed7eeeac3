"""Behind TRUSTED_PROXY_COUNT reverse proxies the shop sees the visitor's address and scheme; with none
configured, forwarded headers are ignored so a client cannot choose its own IP. Emailed links follow
SHOP_BASE_URL either way (tests/site/test_link_host.py)."""

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask

from shop.extensions import db
from shop.guides.models import ConsentRecord
from tests.guides.helpers import GUIDE_PATH, make_free_guide, outbox

FORWARDED = {
    "X-Forwarded-For": "198.51.100.20, 203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "shop.example.com",
}


@pytest.mark.parametrize(("proxies", "ip_address"), [(1, "203.0.113.7"), (0, "127.0.0.1")])
def test_forwarded_headers_are_believed_only_from_trusted_proxies(
    make_app: Callable[..., Flask], proxies: int, ip_address: str
) -> None:
    app = make_app(TRUSTED_PROXY_COUNT=proxies, SHOP_BASE_URL="https://shop.example.com")
    with app.app_context():
        make_free_guide()
        client = app.test_client()

        response = client.post(
            GUIDE_PATH,
            data={"email": "ana@example.com", "form_id": "guide", "page": GUIDE_PATH},
            headers=FORWARDED,
        )

        assert response.status_code == 303
        record = db.session.scalars(sa.select(ConsentRecord)).one()
        # With one proxy, the address it saw connect is the last one in the list, not the first
        # (which the client wrote itself).
        assert record.ip_address == ip_address
        assert "https://shop.example.com/guides/confirm/" in outbox(app)[0].body
