"""Every /admin route refuses anonymous visitors and customers; new routes can't be left open."""

import re

from flask import Flask

from shop.accounts.models import Role
from tests.accounts.helpers import log_in_with_csrf
from tests.admin.helpers import client_as


def admin_urls(app: Flask) -> list[tuple[str, str]]:
    """(method, url) for every admin rule, with made-up ids filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        url = re.sub(r"<(?:int:)?\w+>", "999999", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, url))
    return urls


def test_there_are_admin_routes_to_check(app: Flask) -> None:
    assert len(admin_urls(app)) >= 10


def test_anonymous_visitors_are_sent_to_log_in(app: Flask) -> None:
    client = app.test_client()
    for method, url in admin_urls(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/account/login?next="), (method, url)


def test_customers_get_403(app: Flask) -> None:
    client = client_as(app, Role.CUSTOMER)
    for method, url in admin_urls(app):
        response = client.open(url, method=method)
        assert response.status_code == 403, (method, url)
        assert "staff only" in response.get_data(as_text=True)


ADMIN_ONLY = ("/admin/staff",)


def test_admins_get_in_everywhere(app: Flask) -> None:
    client = client_as(app, Role.ADMIN)
    for method, url in admin_urls(app):
        response = client.open(url, method=method)
        assert response.status_code not in (302, 403), (method, url, response.status_code)


def test_staff_get_in_except_staff_management(app: Flask) -> None:
    client = client_as(app, Role.STAFF)
    for method, url in admin_urls(app):
        response = client.open(url, method=method)
        if url.startswith(ADMIN_ONLY):
            assert response.status_code == 403, (method, url)
        else:
            assert response.status_code not in (302, 403), (method, url, response.status_code)


def test_unknown_ids_are_404(app: Flask) -> None:
    client = client_as(app, Role.STAFF)

    assert client.get("/admin/products/999999").status_code == 404
    assert client.post("/admin/variants/999999/stock", data={"delta": "1", "reason": "x"}).status_code == 404


def test_admin_posts_need_csrf(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        from tests.accounts.helpers import make_user

        make_user(email="staff@example.com", role=Role.STAFF)
    client = csrf_app.test_client()
    log_in_with_csrf(client, "staff@example.com")

    response = client.post("/admin/products/new", data={"name": "Sneaky"})

    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
