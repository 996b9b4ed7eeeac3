"""Cache-Control: no-store on every page with personal data or a working secret link (shop/private_pages.py),
checked over every such route in the url_map, and with real content; public pages stay cacheable."""

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.accounts.models import Role
from shop.orders.access import access_token
from tests.admin.helpers import client_as
from tests.checkout_helpers import add, dev_pay, place
from tests.fixtures import ClientFactory, OrderFactory

NO_STORE = "private, no-store"

# Chosen by path, not read from the module under test: a new route under one of these is covered at once.
PRIVATE_PATHS = (
    "/admin",
    "/account",
    "/orders",
    "/checkout",
    "/payments/dev",
    "/dev/outbox",
    "/downloads",
    "/guides/confirm",
    "/unsubscribe",
)

PRIVATE_PATTERNS = (re.compile(r"^/guides/<slug>/check-your-inbox$"),)


def private_requests(app: Flask) -> list[tuple[str, str]]:
    """(method, url) for every private rule and method, with made-up values filled in."""
    requests = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if not (path.startswith(PRIVATE_PATHS) or any(p.match(path) for p in PRIVATE_PATTERNS)):
            continue
        url = re.sub(r"<(?:\w+:)?\w+>", "999999", path)
        requests.extend((method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    return requests


def test_the_walk_covers_the_private_parts_of_the_shop(app: Flask) -> None:
    urls = {url for _, url in private_requests(app)}

    for expected in (
        "/admin/",
        "/account/",
        "/orders/999999",
        "/checkout/success",
        "/checkout/cancel/999999",
    ):
        assert expected in urls
    assert len(urls) >= 50


@pytest.mark.parametrize("role", [None, Role.CUSTOMER, Role.ADMIN])
def test_every_private_route_says_no_store_whatever_it_answers(app: Flask, role: Role | None) -> None:
    client = client_as(app, role) if role else app.test_client()
    for method, url in private_requests(app):
        if url == "/account/logout":
            continue  # logging out would end the walk's session; its page is checked below
        response = client.open(url, method=method)
        assert response.headers.get("Cache-Control") == NO_STORE, (method, url, response.status_code)
    assert client.post("/account/logout").headers.get("Cache-Control") == NO_STORE


def test_admin_pages_and_exports_with_data_are_not_stored(
    shop: dict, paid_order: OrderFactory, app: Flask
) -> None:
    order = paid_order(("TEE-M", 1))
    admin = client_as(app, Role.ADMIN)

    for url in ("/admin/", "/admin/orders", f"/admin/orders/{order.number}", "/admin/orders.csv"):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == NO_STORE, url
    leads_csv = admin.get("/admin/leads/export.csv")
    assert leads_csv.status_code == 200 and leads_csv.headers["Cache-Control"] == NO_STORE


def test_account_and_signed_order_pages_are_not_stored(
    shop: dict, customer_client: ClientFactory, paid_order: OrderFactory, app: Flask
) -> None:
    order = paid_order(("GUIDE-WB", 1))
    customer = customer_client()
    guest = app.test_client()

    pages = [
        customer.get("/account/"),
        customer.get("/account/orders"),
        guest.get(f"/orders/{order.number}?t={access_token(order.number)}"),
        guest.get("/account/login"),
    ]

    for response in pages:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == NO_STORE


def test_checkout_and_its_success_page_are_not_stored(shop: dict, client: FlaskClient) -> None:
    add(client, "GUIDE-WB")
    checkout = client.get("/checkout")
    paid = dev_pay(client, place(client).headers["Location"])

    success = client.get(paid.headers["Location"])

    assert checkout.status_code == 200 and checkout.headers["Cache-Control"] == NO_STORE
    assert success.status_code == 200 and "/downloads/" in success.get_data(as_text=True)
    assert success.headers["Cache-Control"] == NO_STORE


@pytest.mark.parametrize("url", ["/", "/products", "/privacy", "/cart"])
def test_public_pages_stay_cacheable(client: FlaskClient, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
