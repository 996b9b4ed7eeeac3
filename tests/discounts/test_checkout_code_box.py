"""The checkout page's own code box: it posts to the checkout's no-JavaScript routes, and the checkout page
then shows the saving (and charges it), or, with a 4xx, why the code was refused, next to the box
(docs/rules.md#discounts rules 3, 4, 7; #cart rule 11)."""

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.catalog.models import Product
from shop.discounts.models import DiscountCode
from tests.checkout_helpers import add, checkout_form, dev_pay, hidden
from tests.factories import make_code
from tests.order_factory import make_shop, only_order


@pytest.fixture
def spores10(shop: dict[str, Product]) -> DiscountCode:
    return make_code("SPORES10", scope="merchandise")


def from_checkout(client: FlaskClient, route: str, **fields: str):  # noqa: ANN201
    """Send the checkout page's code form (apply or remove) as a browser without JavaScript would."""
    page = client.get("/checkout").get_data(as_text=True)
    data = {"csrf_token": hidden(page, "csrf_token"), **fields}
    return client.post(route, data=data)


def refusal_next_to_the_box(page: str) -> str | None:
    match = re.search(r'<p class="discount-problem" id="discount-code-refused"[^>]*>(.*?)</p>', page, re.S)
    return match.group(1) if match else None


def test_a_code_applied_on_the_checkout_page_shows_its_saving_and_is_charged(
    client: FlaskClient, spores10: DiscountCode
) -> None:
    # given a $32 tee at checkout, no code yet
    add(client, "TEE-M", 1)
    assert 'action="/checkout/discount"' in client.get("/checkout").get_data(as_text=True)

    # when the shopper types the code in the checkout page's box
    applied = from_checkout(client, "/checkout/discount", code=" spores10 ")

    # then they are back on the checkout page, which shows the saving and the new total
    assert applied.status_code == 303 and applied.headers["Location"] == "/checkout"
    page = client.get("/checkout").get_data(as_text=True)
    assert "<strong>SPORES10</strong> applied" in page and "You save $3.20" in page
    assert "Discount (SPORES10)" in page and "$36.75" in page  # 32.00 − 3.20 + 7.95 shipping
    # and placing the order from that page charges what it showed
    placed = client.post("/checkout", data=checkout_form(client))
    assert placed.status_code == 303
    dev_pay(client, placed.headers["Location"])
    order = only_order()
    assert (order.discount_code, order.discount_cents, order.total_cents) == ("SPORES10", 320, 3_675)


def test_a_form_opened_before_the_code_was_applied_is_not_charged_blind(
    client: FlaskClient, spores10: DiscountCode
) -> None:
    # given a checkout form opened without the code (its fingerprint has no discount)
    add(client, "TEE-M", 1)
    stale = checkout_form(client)

    # when the code is applied from the checkout page's box and the old form is sent
    from_checkout(client, "/checkout/discount", code="SPORES10")
    refused = client.post("/checkout", data=stale)

    # then the order is not placed: the shopper sees the discounted summary first
    assert refused.status_code == 409
    assert "Your cart changed since you opened checkout" in refused.get_data(as_text=True)
    assert client.post("/checkout", data=checkout_form(client)).status_code == 303
    assert only_order().discount_cents == 320


@pytest.mark.parametrize(
    ("code", "reason", "status"),
    [
        ("NOPE-NOPE", "We don&#39;t know the code NOPE-NOPE", 404),
        ("SPO RES", "spaces", 400),
        ("GUIDES5", "applies only to", 422),
        ("BIG50", "Add $68.00 more", 422),
        ("SPORES10\x00", "control characters", 400),
    ],
    ids=["unknown", "malformed", "covers-nothing", "under-minimum", "control-character"],
)
def test_a_refused_code_says_why_next_to_the_checkout_pages_box(
    client: FlaskClient, shop: dict[str, Product], code: str, reason: str, status: int
) -> None:
    # given a tee at checkout, a guides-only code and a code for orders of $100 or more
    make_code("GUIDES5", scope="guides")
    make_code("BIG50", min_subtotal_cents=10_000)
    add(client, "TEE-M", 1)

    # when the shopper tries a code that does not apply
    refused = from_checkout(client, "/checkout/discount", code=code)

    # then the checkout page answers with its 4xx, the reason beside the box (not among other messages)
    assert refused.status_code == status
    page = refused.get_data(as_text=True)
    assert 'action="/checkout"' in page  # the checkout form itself, ready to place the order
    beside = refusal_next_to_the_box(page)
    assert beside is not None and reason.lower() in beside.lower(), page
    assert 'aria-describedby="discount-code-refused"' in page
    assert 'class="flashes"' not in page
    # and the summary, which the page's fingerprint holds, has no discount; the message shows only once
    assert "Discount (" not in page
    assert refusal_next_to_the_box(client.get("/checkout").get_data(as_text=True)) is None
    assert client.post("/checkout", data=checkout_form(client)).status_code == 303
    assert only_order().discount_cents == 0


def test_the_checkout_pages_box_removes_the_code(client: FlaskClient, spores10: DiscountCode) -> None:
    add(client, "TEE-M", 1)
    from_checkout(client, "/checkout/discount", code="SPORES10")
    page = client.get("/checkout").get_data(as_text=True)
    assert "Remove code" in page and 'action="/checkout/discount/remove"' in page

    removed = from_checkout(client, "/checkout/discount/remove")

    assert removed.status_code == 303 and removed.headers["Location"] == "/checkout"
    page = client.get("/checkout").get_data(as_text=True)
    assert "Discount (" not in page and 'id="discount-code-input"' in page
    assert client.get("/cart.json").get_json()["discount_code"] is None


def test_an_empty_cart_sends_the_checkout_pages_code_box_to_the_cart(
    client: FlaskClient, spores10: DiscountCode
) -> None:
    add(client, "TEE-M", 1)
    token = hidden(client.get("/checkout").get_data(as_text=True), "csrf_token")
    client.post("/cart/remove", data={"csrf_token": token, "sku": "TEE-M"})

    refused = client.post("/checkout/discount", data={"csrf_token": token, "code": "SPORES10"})

    assert refused.status_code == 303 and refused.headers["Location"] == "/cart"


def test_the_checkout_pages_code_box_needs_its_csrf_token(csrf_app: Flask) -> None:
    with csrf_app.app_context():  # an app of its own (in-memory SQLite is a database per app)
        make_shop()
        make_code("SPORES10", scope="merchandise")
    client = csrf_app.test_client()
    page = client.get("/cart").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)[1]
    added = client.post(
        "/cart/add.json", json={"sku": "TEE-M", "quantity": 1}, headers={"X-CSRFToken": token}
    )
    assert added.status_code == 200, added.get_data(as_text=True)

    refused = client.post("/checkout/discount", data={"code": "SPORES10"})
    refused_removal = client.post("/checkout/discount/remove", data={})

    assert (refused.status_code, refused_removal.status_code) == (400, 400)
    assert client.get("/cart.json").get_json()["discount_code"] is None
