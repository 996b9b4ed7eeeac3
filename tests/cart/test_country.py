"""The cart's estimate for the shopper's country (docs/rules.md#shipping-zones, docs/rules.md#tax):
POST /cart/country.json, the no-JavaScript picker, /cart.json's fields and the banners following the zone."""

import pytest
from flask.testing import FlaskClient

from tests.checkout_helpers import add


def choose(client: FlaskClient, body: object) -> tuple[int, dict]:
    response = client.post("/cart/country.json", json=body)
    return response.status_code, response.get_json()


def test_the_estimate_starts_at_the_domestic_zone_with_tax_waiting_for_the_state(
    client: FlaskClient, shop: dict
) -> None:
    add(client, "HOODIE-M", 1)

    cart = client.get("/cart.json").get_json()

    assert cart["country"] == "US"
    assert (cart["shipping_cents"], cart["free_shipping_threshold_cents"]) == (795, 15_000)
    assert cart["tax_cents"] == 0 and cart["tax_depends_on_address"] is True
    assert cart["total_cents"] == 6_800 + 795


def test_picking_canada_prices_its_shipping_and_tax(client: FlaskClient, shop: dict) -> None:
    # given a hoodie and a guide in the cart
    add(client, "HOODIE-M", 1)
    add(client, "GUIDE-WB")

    # when the shopper picks Canada
    status, cart = choose(client, {"country": "CA"})

    # then Canada's rate and threshold, and 5% on both lines (digital goods are taxed there)
    assert status == 200
    assert cart["country"] == "CA"
    assert (cart["shipping_cents"], cart["free_shipping_threshold_cents"]) == (1_495, 25_000)
    assert cart["free_shipping_remaining_cents"] == 25_000 - 6_800
    assert cart["tax_cents"] == 340 + 95
    assert cart["tax_depends_on_address"] is False
    assert cart["total_cents"] == 6_800 + 1_900 + 1_495 + 435


def test_the_choice_is_remembered_and_lower_case_is_read(client: FlaskClient, shop: dict) -> None:
    add(client, "TEE-M", 1)

    choose(client, {"country": " gb "})

    assert client.get("/cart.json").get_json()["country"] == "GB"


def test_a_zone_that_never_ships_free_offers_no_add_more(client: FlaskClient, shop: dict) -> None:
    # given $204 of hoodies, which ships free at home
    add(client, "HOODIE-M", 3)
    choose(client, {"country": "DE"})

    cart = client.get("/cart.json").get_json()
    page = client.get("/cart").get_data(as_text=True)

    assert cart["shipping_cents"] == 2_495 and cart["free_shipping_threshold_cents"] is None
    assert cart["free_shipping_remaining_cents"] == 0
    assert "more in merchandise for free shipping" not in page
    assert "Shipping to Germany is a flat $24.95." in page
    assert "Shipping to Germany: $24.95 flat" in page  # the banner on every page


def test_canada_ships_free_from_its_own_threshold(client: FlaskClient, shop: dict) -> None:
    add(client, "HOODIE-M", 3)  # $204: free at home, not in Canada
    _, canada = choose(client, {"country": "CA"})
    add(client, "HOODIE-L", 1)  # $272

    cart = client.get("/cart.json").get_json()

    assert canada["shipping_cents"] == 1_495
    assert cart["shipping_cents"] == 0


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"country": "JP"}, 422, "Sorry, we don't ship to Japan."),
        ({"country": "XX"}, 400, "'XX' is not a country code"),
        ({"country": ""}, 400, "Choose a country."),
        ({"country": "   "}, 400, "Choose a country."),
        ({"country": 7}, 400, "Choose a country."),
        ({"country": None}, 400, "Choose a country."),
        ({"country": "United States of America"}, 400, "is not a country code"),
        ({"nation": "CA"}, 400, 'Send a JSON object such as {"country": "CA"}.'),
        (["CA"], 400, 'Send a JSON object such as {"country": "CA"}.'),
    ],
)
def test_a_country_that_cannot_be_used_is_a_clear_4xx_and_keeps_the_choice(
    client: FlaskClient, shop: dict, body: object, status: int, message: str
) -> None:
    add(client, "TEE-M", 1)
    choose(client, {"country": "CA"})

    got_status, payload = choose(client, body)

    assert got_status == status
    assert message in payload["error"]
    assert client.get("/cart.json").get_json()["country"] == "CA"


def test_junk_json_is_a_400(client: FlaskClient, shop: dict) -> None:
    response = client.post(
        "/cart/country.json", data="{not json", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert "error" in response.get_json()


def test_the_picker_works_without_javascript(client: FlaskClient, shop: dict) -> None:
    # given a cart priced at home
    add(client, "HOODIE-M", 1)

    # when the plain form picks Canada
    response = client.post("/cart/country", data={"country": "ca"})
    page = client.get("/cart").get_data(as_text=True)

    # then the cart shows Canada's shipping and 5% tax
    assert response.status_code == 303
    assert '<option value="CA" selected>Canada</option>' in page
    assert "$14.95" in page
    assert "Estimated tax (5%)" in page and "$3.40" in page


def test_the_plain_picker_refuses_a_country_not_shipped_to(client: FlaskClient, shop: dict) -> None:
    add(client, "HOODIE-M", 1)

    response = client.post("/cart/country", data={"country": "JP"})

    assert response.status_code == 422
    assert "Sorry, we don&#39;t ship to Japan." in response.get_data(as_text=True)


def test_the_cart_says_when_tax_waits_for_the_us_state(client: FlaskClient, shop: dict) -> None:
    add(client, "HOODIE-M", 1)

    page = client.get("/cart").get_data(as_text=True)

    assert "Sales tax depends on the state you ship to" in page


def test_the_product_page_and_home_follow_the_shoppers_zone(client: FlaskClient, shop: dict) -> None:
    # given a shopper who picked Canada, with nothing in the cart yet
    choose(client, {"country": "CA"})

    home = client.get("/").get_data(as_text=True)
    product = client.get("/products/hoodie").get_data(as_text=True)

    assert "Free shipping on orders over $250" in home
    assert "Free shipping on merchandise orders of $250 or more." in product
