"""/orders/<number> for logged-in customers: the owner sees it without the signed link; nobody else does,
and a stranger gets the same 404 as for a number that does not exist."""

import pytest
from flask import Flask

from shop.accounts.services import get_user_by_email
from shop.orders.access import access_token, can_view, is_owner
from tests.accounts.customers import grant_count, make_customer
from tests.accounts.helpers import link_in_last_email
from tests.fixtures import ClientFactory, OrderFactory
from tests.order_factory import reload


class Anonymous:
    is_authenticated = False


def test_is_owner_rules(pending_order: OrderFactory, app: Flask, shop: dict) -> None:
    ana = make_customer("ana@example.com")
    unconfirmed = make_customer("una@example.com", confirmed=False)
    bo = make_customer("bo@example.com")
    tied_to_ana = pending_order(("TEE-M", 1), email="bo@example.com", user=ana)
    guest_to_ana = pending_order(("TEE-M", 1), email="ana@example.com")
    guest_to_una = pending_order(("TEE-M", 1), email="una@example.com")

    assert is_owner(tied_to_ana, ana)
    assert not is_owner(tied_to_ana, bo)  # bo's address, but the order is ana's account's
    assert is_owner(guest_to_ana, ana)
    assert not is_owner(guest_to_ana, bo)
    assert not is_owner(guest_to_una, unconfirmed)  # never through an unconfirmed address
    assert not is_owner(guest_to_ana, Anonymous())
    assert not is_owner(guest_to_ana, None)
    assert can_view(guest_to_una, token=access_token(guest_to_una.number), user=bo)


def test_the_owner_sees_the_order_without_the_link(
    customer_client: ClientFactory, paid_order: OrderFactory, app: Flask, shop: dict
) -> None:
    client = customer_client()
    order = paid_order(("TEE-M", 1), ("GUIDE-WB", 1))  # paid by a guest with ana's confirmed address

    response = client.get(f"/orders/{order.number}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Order {order.number}" in page and "Payment received" in page
    assert "Download 90-Day Workbook (PDF)" in page
    assert 'name="t"' not in page  # no signed token is needed, or leaked into the page
    assert "All your orders" in page


@pytest.mark.parametrize(
    "case",
    ["another customer's order", "an unconfirmed account with the order's email", "a logged-out visitor"],
)
def test_nobody_else_sees_the_order(
    customer_client: ClientFactory, paid_order: OrderFactory, app: Flask, shop: dict, case: str
) -> None:
    # given ana's order, tied to her account
    ana = make_customer("ana@example.com")
    order = paid_order(("TEE-M", 1), email="ana@example.com", user=ana)
    if case == "another customer's order":
        client = customer_client("bo@example.com")
    elif case == "an unconfirmed account with the order's email":
        order = paid_order(("MUG", 1), email="una@example.com")  # a guest order to una's address
        client = customer_client("una@example.com", confirmed=False)
    else:
        client = app.test_client()

    client.get("/")  # shows (and so clears) the "You're logged in" message

    # when they open it without the signed link
    response = client.get(f"/orders/{order.number}")

    # then it looks exactly like an order that does not exist
    unknown = client.get("/orders/GS-ZZZZZZ")
    assert response.status_code == unknown.status_code == 404
    assert response.get_data(as_text=True) == unknown.get_data(as_text=True)


def test_a_token_for_another_order_opens_nothing(
    customer_client: ClientFactory, paid_order: OrderFactory, app: Flask, shop: dict
) -> None:
    ana = make_customer("ana@example.com")
    hers = paid_order(("TEE-M", 1), user=ana)
    client = customer_client("bo@example.com")
    bos = paid_order(("MUG", 1), email="bo@example.com")

    response = client.get(f"/orders/{hers.number}?t={access_token(bos.number)}")

    assert response.status_code == 404


def test_the_owner_downloads_from_the_order_page_without_the_link(
    customer_client: ClientFactory, paid_order: OrderFactory, app: Flask, shop: dict
) -> None:
    client = customer_client()
    order = paid_order(("GUIDE-WB", 1))
    line = order.lines[0]

    response = client.post(f"/orders/{order.number}/downloads/{line.id}")

    assert response.status_code == 303
    assert "/downloads/" in response.headers["Location"]


def test_another_customer_cannot_download_from_the_order(
    customer_client: ClientFactory, paid_order: OrderFactory, app: Flask, shop: dict
) -> None:
    ana = make_customer("ana@example.com")
    order = paid_order(("GUIDE-WB", 1), user=ana)
    client = customer_client("bo@example.com")
    before = grant_count()

    response = client.post(f"/orders/{order.number}/downloads/{order.lines[0].id}")

    assert response.status_code == 404
    assert grant_count() == before


def test_logging_in_as_the_owner_after_a_guest_purchase(
    paid_order: OrderFactory, app: Flask, shop: dict
) -> None:
    # given a guest purchase, then an account registered and confirmed with that address
    order = paid_order(("TEE-M", 1), email="ana@example.com")
    client = app.test_client()
    client.post("/account/register", data={"email": "ana@example.com", "password": "correct horse battery"})
    client.post("/account/login", data={"email": "ana@example.com", "password": "correct horse battery"})
    assert client.get(f"/orders/{order.number}").status_code == 404  # not confirmed yet
    confirm_page = client.get("/account/").get_data(as_text=True)
    assert "Please confirm your email address" in confirm_page

    # when the confirmation link is followed
    client.post(link_in_last_email(app, "ana@example.com"))

    # then the order opens and belongs to the account
    assert client.get(f"/orders/{order.number}").status_code == 200
    assert reload(order).user_id == get_user_by_email("ana@example.com").id
    assert order.number in client.get("/account/orders").get_data(as_text=True)
