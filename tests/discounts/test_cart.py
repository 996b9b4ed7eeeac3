"""A code in the cart: /cart.json and /cart/discount.json, the no-JavaScript form, and every bad input
(docs/rules.md#discounts rules 1-3, 6)."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.cart import services as cart_services
from shop.catalog.models import Product
from shop.discounts.models import CartDiscount, DiscountCode
from shop.extensions import db
from tests.accounts.helpers import make_user
from tests.checkout_helpers import add, hidden
from tests.factories import make_code, make_product
from tests.pricing_knobs import CART_KNOBS


def apply(client: FlaskClient, code: object):  # noqa: ANN201
    return client.post("/cart/discount.json", json={"code": code})


@pytest.fixture
def spores10(shop: dict[str, Product]) -> DiscountCode:
    return make_code("SPORES10", scope="merchandise")


def test_a_160_dollar_hoodie_order_with_10_percent_off_pays_shipping(
    client: FlaskClient, spores10: DiscountCode
) -> None:
    # given $154 of merchandise: free shipping before the code
    add(client, "HOODIE-M", 2)
    add(client, "MUG", 1)
    assert client.get("/cart.json").get_json()["shipping_cents"] == 0

    # when the shopper applies the code in lower case with spaces around it
    response = apply(client, "  spores10 ")

    # then $15.40 comes off, the merchandise counted after it is under $150, and shipping is charged
    cart = response.get_json()
    assert response.status_code == 200
    assert cart["discount_code"] == "SPORES10"
    assert cart["discount_cents"] == 1_540
    assert cart["merchandise_subtotal_cents"] == 13_860
    assert cart["shipping_cents"] == 795
    assert cart["free_shipping_remaining_cents"] == 1_140
    assert cart["total_cents"] == 15_400 - 1_540 + 795


def test_the_cart_estimates_tax_on_each_line_after_its_discount(
    client: FlaskClient, spores10: DiscountCode
) -> None:
    # given two tees and a guide priced for Canada (5% on goods and guides, $14.95 shipping)
    add(client, "TEE-M", 2)
    add(client, "GUIDE-WB", 1)
    assert client.post("/cart/country.json", json={"country": "CA"}).status_code == 200

    # when the shopper applies the merchandise code
    cart = apply(client, "SPORES10").get_json()

    # then the tees are taxed on $57.60, not $64.00, and the guide on its full $19.00
    assert (cart["country"], cart["discount_cents"]) == ("CA", 640)
    assert cart["tax_cents"] == 288 + 95
    assert cart["shipping_cents"] == 1_495
    assert cart["total_cents"] == 8_300 - 640 + 1_495 + 383


def test_the_code_leaves_guides_alone_and_the_cart_page_shows_the_saving(
    client: FlaskClient, spores10: DiscountCode
) -> None:
    add(client, "TEE-M", 1)
    add(client, "GUIDE-WB", 1)

    cart = apply(client, "SPORES10").get_json()
    page = client.get("/cart").get_data(as_text=True)

    assert cart["discount_cents"] == 320
    assert cart["total_cents"] == 3_200 + 1_900 - 320 + 795
    assert "Discount (SPORES10)" in page and "−$3.20" in page
    assert "10% off merchandise" in page and "You save $3.20" in page


def test_applied_twice_is_still_one_discount_and_null_removes_it(
    client: FlaskClient, spores10: DiscountCode
) -> None:
    add(client, "TEE-M", 1)

    apply(client, "SPORES10")
    twice = apply(client, "spores10").get_json()
    removed = apply(client, None)

    assert twice["discount_cents"] == 320
    assert removed.status_code == 200
    assert removed.get_json()["discount_code"] is None
    assert removed.get_json()["discount_cents"] == 0
    assert db.session.query(CartDiscount).count() == 0


def test_a_second_code_replaces_the_first(client: FlaskClient, spores10: DiscountCode) -> None:
    make_code("FIVE-OFF", amount_cents=500)
    add(client, "TEE-M", 1)

    apply(client, "SPORES10")
    cart = apply(client, "five-off").get_json()

    assert (cart["discount_code"], cart["discount_cents"]) == ("FIVE-OFF", 500)


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"code": "NOPE-NOPE"}, 404, "We don't know the code NOPE-NOPE"),
        ({"code": "SPORES 10"}, 400, "no spaces"),
        ({"code": "SPОRES10"}, 400, "another alphabet"),  # Cyrillic О
        ({"code": "A" * 10_000}, 400, "too long"),
        ({"code": "'; DROP TABLE discount_code; --"}, 400, "no spaces"),
        ({"code": 10}, 400, "code must be text"),
        ({"code": ["SPORES10"]}, 400, "code must be text"),
        ({"sku": "SPORES10"}, 400, 'Send a JSON object such as {"code": "SPORES10"}'),
        ("SPORES10", 400, "Send a JSON object"),
    ],
)
def test_bad_codes_get_a_clear_4xx_and_leave_the_cart_alone(
    client: FlaskClient, spores10: DiscountCode, body: object, status: int, says: str
) -> None:
    add(client, "TEE-M", 1)
    before = client.get("/cart.json").get_json()

    response = client.post("/cart/discount.json", json=body)

    assert response.status_code == status
    assert says in response.get_json()["error"]
    assert client.get("/cart.json").get_json() == before
    assert db.session.query(DiscountCode).count() == 1  # the SQL did nothing


def test_a_code_for_a_product_that_was_unpublished_applies_to_nothing(
    client: FlaskClient, shop: dict[str, Product]
) -> None:
    make_code("HOODIES", scope="products", product_ids=[shop["hoodie"].id])
    add(client, "HOODIE-M", 1)
    add(client, "TEE-M", 1)
    assert apply(client, "HOODIES").get_json()["discount_cents"] == 680

    shop["hoodie"].is_published = False
    db.session.commit()
    cart = client.get("/cart.json").get_json()
    again = apply(client, "HOODIES")

    assert cart["discount_cents"] == 0 and cart["discount_code"] is None
    assert "none of them is in your cart" in cart["discount_problem"]
    assert again.status_code == 422
    assert "none of them is in your cart" in again.get_json()["error"]


def test_a_code_that_stops_applying_stays_on_the_cart_with_the_reason(
    client: FlaskClient, shop: dict[str, Product]
) -> None:
    make_code("BIG-ORDER", min_subtotal_cents=5_000)
    add(client, "TEE-M", 2)
    apply(client, "BIG-ORDER")

    client.post("/cart/change.json", json={"sku": "TEE-M", "quantity": 1})
    cart = client.get("/cart.json").get_json()
    page = client.get("/cart").get_data(as_text=True)

    assert cart["discount_cents"] == 0
    assert "add $18.00 more" in cart["discount_problem"]
    assert "doesn't apply right now" in page


def test_another_customers_code_is_refused_for_a_logged_in_customer(
    customer_client, shop: dict[str, Product]
) -> None:
    make_code("WELCOME-ANA1", bound_email="ana@example.com", usage_limit=1, once_per_customer=True)
    bo = customer_client("bo@example.com")
    add(bo, "TEE-M", 1)

    response = apply(bo, "WELCOME-ANA1")

    assert response.status_code == 422
    assert "personal code for another email" in response.get_json()["error"]


def test_an_empty_cart_takes_no_code(client: FlaskClient, spores10: DiscountCode) -> None:
    response = apply(client, "SPORES10")

    assert response.status_code == 404
    assert "Your cart is empty" in response.get_json()["error"]


def test_the_form_works_without_javascript(client: FlaskClient, spores10: DiscountCode) -> None:
    add(client, "TEE-M", 1)
    page = client.get("/cart").get_data(as_text=True)
    token = hidden(page, "csrf_token")

    applied = client.post("/cart/discount", data={"csrf_token": token, "code": "spores10"})
    refused = client.post("/cart/discount", data={"csrf_token": token, "code": "NOPE-NOPE"})
    removed = client.post("/cart/discount/remove", data={"csrf_token": token})

    assert applied.status_code == 303
    assert refused.status_code == 404
    assert "We don&#39;t know the code NOPE-NOPE" in refused.get_data(as_text=True)
    assert removed.status_code == 303
    assert client.get("/cart.json").get_json()["discount_code"] is None


def test_the_browsers_code_follows_the_shopper_into_their_account_cart(app: Flask) -> None:
    make_product(name="Mug", sku="MUG", price_cents=1_800, stock=5)
    make_code("SPORES10")
    user = make_user()
    customer_token = cart_services.merge_cart_into_user(None, user.id, max_line_quantity=10)
    cart_services.add_to_cart(customer_token, "MUG", 1, max_line_quantity=10)
    cart_services.add_to_cart("browser", "MUG", 1, max_line_quantity=10)
    cart_services.apply_discount_code("browser", "SPORES10", **CART_KNOBS)

    token = cart_services.merge_cart_into_user("browser", user.id, max_line_quantity=10)

    summary = cart_services.get_cart_summary(token, **CART_KNOBS)
    assert (summary.discount_code, summary.totals.discount_cents) == ("SPORES10", 360)


def test_applying_codes_is_rate_limited_per_ip(make_app) -> None:
    app = make_app(DISCOUNT_RATE_LIMIT="2 per minute")
    with app.app_context():
        make_product(name="Mug", sku="MUG", price_cents=1_800, stock=5)
    client = app.test_client()
    add(client, "MUG", 1)

    answers = [client.post("/cart/discount.json", json={"code": f"GUESS-{n}"}).status_code for n in range(3)]

    assert answers == [404, 404, 429]
