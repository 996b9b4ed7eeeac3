"""/account/orders: a customer's own orders, newest first, and fresh download links for their guides;
nothing of anyone else's, whatever numbers and ids are posted."""

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.clock import utcnow
from shop.extensions import db
from shop.orders.models import Order
from shop.payments.refunds import refund_order
from tests.accounts.customers import grant_count, make_customer
from tests.accounts.helpers import log_in, log_in_with_csrf
from tests.checkout_helpers import hidden
from tests.fixtures import ClientFactory, OrderFactory
from tests.order_factory import make_paid_order, make_shop


def text(response) -> str:
    return response.get_data(as_text=True)


def fresh_link_url(order: Order, line_id: int | None = None) -> str:
    line_id = order.lines[0].id if line_id is None else line_id
    return f"/account/orders/{order.number}/downloads/{line_id}"


def test_orders_need_a_login(client: FlaskClient) -> None:
    response = client.get("/account/orders")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")


def test_the_overview_links_to_the_orders(customer_client: ClientFactory, app: Flask) -> None:
    client = customer_client()

    assert 'href="/account/orders"' in text(client.get("/account/"))


def test_an_empty_history_points_to_the_shop(customer_client: ClientFactory, app: Flask) -> None:
    client = customer_client()

    page = text(client.get("/account/orders"))

    assert "You haven't ordered anything yet." in page
    assert 'href="/products"' in page


def test_the_list_shows_only_my_orders_newest_first(
    paid_order: OrderFactory, pending_order: OrderFactory, app: Flask, shop: dict
) -> None:
    # given two orders of ana's (one paid, one waiting) and one of bo's
    ana = make_customer("ana@example.com")
    older = paid_order(("TEE-M", 1), user=ana)
    newer = pending_order(("HOODIE-M", 2), user=ana)
    db.session.get(Order, older.id).created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    bo = make_customer("bo@example.com")
    bos = paid_order(("MUG", 1), email="bo@example.com", user=bo)
    client = app.test_client()
    log_in(client)

    # when ana opens her orders
    page = text(client.get("/account/orders"))

    # then she sees hers, newest first, with status words, totals and links, and nothing of bo's
    assert page.index(newer.number) < page.index(older.number)
    assert bos.number not in page
    assert "Waiting for payment" in page and "Payment received" in page
    assert "$39.95" in page  # the tee with shipping
    assert f'href="/orders/{older.number}"' in page
    assert "2 orders, newest first." in page


def test_paid_guides_offer_a_fresh_link_and_unpaid_ones_do_not(
    paid_order: OrderFactory, pending_order: OrderFactory, app: Flask, shop: dict
) -> None:
    ana = make_customer("ana@example.com")
    paid = paid_order(("GUIDE-WB", 1), user=ana)
    waiting = pending_order(("GUIDE-WB", 1), user=ana)
    client = app.test_client()
    log_in(client)

    page = text(client.get("/account/orders"))

    assert fresh_link_url(paid) in page
    assert fresh_link_url(waiting) not in page
    assert "Get a fresh download link" in page


def test_a_fresh_link_is_shown_and_downloads_the_guide(
    paid_order: OrderFactory, app: Flask, shop: dict
) -> None:
    # given ana's paid guide
    ana = make_customer("ana@example.com")
    order = paid_order(("GUIDE-WB", 1), user=ana)
    before = grant_count()
    client = app.test_client()
    log_in(client)

    # when she asks for a fresh link
    response = client.post(fresh_link_url(order))

    # then a new grant is made and its link is on the page, which is never cached
    assert response.status_code == 200
    assert grant_count() == before + 1
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    url = re.search(r'href="http://localhost(/downloads/[\w-]+)"', text(response)).group(1)
    with client.get(url) as download:
        assert download.status_code == 200 and download.data.startswith(b"%PDF")


@pytest.mark.parametrize(
    "case",
    [
        "someone else's order",
        "my order with someone else's line",
        "my order with a merchandise line",
        "an unknown order",
        "an unknown line",
        "my unpaid order",
        "my refunded order",
    ],
)
def test_a_fresh_link_only_for_my_paid_guides(
    paid_order: OrderFactory, pending_order: OrderFactory, app: Flask, shop: dict, case: str
) -> None:
    # given ana's and bo's paid orders
    ana = make_customer("ana@example.com")
    bo = make_customer("bo@example.com")
    mine = paid_order(("GUIDE-WB", 1), ("TEE-M", 1), user=ana)
    theirs = paid_order(("GUIDE-WB", 1), email="bo@example.com", user=bo)
    guide_line, tee_line = mine.lines
    url = {
        "someone else's order": fresh_link_url(theirs),
        "my order with someone else's line": fresh_link_url(mine, theirs.lines[0].id),
        "my order with a merchandise line": fresh_link_url(mine, tee_line.id),
        "an unknown order": "/account/orders/GS-ZZZZZZ/downloads/1",
        "an unknown line": fresh_link_url(mine, 999_999),
        "my unpaid order": fresh_link_url(pending_order(("GUIDE-WB", 1), user=ana)),
        "my refunded order": None,
    }[case]
    if case == "my refunded order":
        refund_order(mine.id, actor="staff:bo@example.com")
        url = fresh_link_url(mine, guide_line.id)
    before = grant_count()
    client = app.test_client()
    log_in(client)

    # when she posts for a fresh link
    response = client.post(url)

    # then it is a 404 and no grant is made
    assert response.status_code == 404
    assert grant_count() == before


def test_fresh_links_are_rate_limited_per_account(paid_order: OrderFactory, app: Flask, shop: dict) -> None:
    ana = make_customer("ana@example.com")
    order = paid_order(("GUIDE-WB", 1), user=ana)
    client = app.test_client()
    log_in(client)

    statuses = [client.post(fresh_link_url(order)).status_code for _ in range(21)]

    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
    # Another customer at the same address still has their own allowance: the limit is per account.
    bo = make_customer("bo@example.com")
    bo_client = app.test_client()
    log_in(bo_client, email="bo@example.com")
    assert bo_client.post(fresh_link_url(paid_order(("GUIDE-WB", 1), user=bo))).status_code == 200


def test_fresh_links_need_a_login(
    paid_order: OrderFactory, client: FlaskClient, app: Flask, shop: dict
) -> None:
    order = paid_order(("GUIDE-WB", 1))
    before = grant_count()

    response = client.post(fresh_link_url(order))

    assert response.status_code == 302
    assert grant_count() == before


def test_fresh_links_need_the_csrf_token(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        make_shop()
        ana = make_customer("ana@example.com")
        order = make_paid_order(("GUIDE-WB", 1), user_id=ana.id)
        url = fresh_link_url(order)
        before = grant_count()
    client = csrf_app.test_client()
    log_in_with_csrf(client, "ana@example.com")

    without = client.post(url)
    page = text(client.get("/account/orders"))
    form_token = hidden(page, "csrf_token")
    with_token = client.post(url, data={"csrf_token": form_token})

    assert without.status_code == 400
    assert with_token.status_code == 200
    with csrf_app.app_context():
        assert grant_count() == before + 1


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99", "1" * 40])
def test_bad_page_numbers_are_404(customer_client: ClientFactory, app: Flask, page: str) -> None:
    client = customer_client()

    assert client.get(f"/account/orders?page={page}").status_code == 404


def test_orders_are_paginated(pending_order: OrderFactory, app: Flask, shop: dict) -> None:
    ana = make_customer("ana@example.com")
    numbers = [pending_order(("TEE-M", 1), user=ana).number for _ in range(12)]
    client = app.test_client()
    log_in(client)

    first = text(client.get("/account/orders"))
    second = text(client.get("/account/orders?page=2"))

    assert "Page 1 of 2" in first and 'href="/account/orders?page=2"' in first
    assert sum(number in first for number in numbers) == 10
    assert sum(number in second for number in numbers) == 2


def test_an_unconfirmed_account_is_told_how_guest_orders_appear(
    customer_client: ClientFactory, paid_order: OrderFactory, app: Flask, shop: dict
) -> None:
    paid_order(("TEE-M", 1))  # a guest order with ana's address
    client = customer_client(confirmed=False)

    page = text(client.get("/account/orders"))

    assert "appear here once you confirm your email address" in page
    assert "You haven't ordered anything yet." in page


def test_names_with_markup_are_escaped(paid_order: OrderFactory, app: Flask, shop: dict) -> None:
    ana = make_customer("ana@example.com")
    order = paid_order(("TEE-M", 1), user=ana)
    db.session.get(Order, order.id).lines[0].name = "<script>alert(1)</script>"
    db.session.commit()
    client = app.test_client()
    log_in(client)

    page = text(client.get("/account/orders"))

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
