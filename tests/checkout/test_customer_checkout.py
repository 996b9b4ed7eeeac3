"""Checkout for a logged-in customer: the email is the account's by default, and the order is theirs
whichever address the receipt goes to. A guest's order belongs to nobody until an account proves its email."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.accounts.services import get_user_by_email
from tests.checkout_helpers import add, dev_pay, input_values, place
from tests.fixtures import ClientFactory
from tests.order_factory import only_order


def email_value(page: str) -> str:
    return input_values(page)["email"][0]


def test_the_email_is_prefilled_with_the_accounts(
    customer_client: ClientFactory, app: Flask, shop: dict
) -> None:
    client = customer_client("ana@example.com")
    add(client, "GUIDE-WB")

    page = client.get("/checkout").get_data(as_text=True)

    assert email_value(page) == "ana@example.com"
    assert "this order will be saved in" in page and 'href="/account/orders"' in page


def test_a_guest_gets_an_empty_email_field(customer_client: ClientFactory, app: Flask, shop: dict) -> None:
    # a customer logged in and out again on this browser: nothing of theirs is left in the form
    client = customer_client("ana@example.com")
    assert client.post("/account/logout").status_code == 303
    add(client, "GUIDE-WB")

    page = client.get("/checkout").get_data(as_text=True)

    assert email_value(page) == ""
    assert "this order will be saved in" not in page


@pytest.mark.parametrize("email", ["ana@example.com", "ana.work@example.com"])
def test_a_customers_order_is_theirs_whatever_the_receipt_address(
    customer_client: ClientFactory, app: Flask, shop: dict, email: str
) -> None:
    # given a logged-in customer (unconfirmed: the order is tied by the login, not by the address)
    client = customer_client("ana@example.com", confirmed=False)
    add(client, "GUIDE-WB")

    # when they check out and pay, sending the receipt to `email`
    response = place(client, email=email, with_address=False)
    dev_pay(client, response.headers["Location"])

    # then the order is theirs and in their list
    order = only_order()
    assert order.email == email
    assert order.user_id == get_user_by_email("ana@example.com").id
    assert order.number in client.get("/account/orders").get_data(as_text=True)
    assert client.get(f"/orders/{order.number}").status_code == 200


def test_a_guest_order_belongs_to_nobody(client: FlaskClient, shop: dict) -> None:
    add(client, "GUIDE-WB")

    response = place(client, with_address=False)
    dev_pay(client, response.headers["Location"])

    assert only_order().user_id is None
