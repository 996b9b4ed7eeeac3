"""The cart through HTTP: forms that work without JavaScript, the JSON API, and every bad input."""

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.extensions import db
from tests.factories import make_guide, make_product


def cart_state(client: FlaskClient) -> dict[str, int]:
    data = client.get("/cart.json").get_json()
    return {item["sku"]: item["quantity"] for item in data["items"]}


@pytest.fixture
def catalog(app: Flask) -> None:
    make_product(
        name="Spore Print Hoodie",
        slug="hoodie",
        sku="HOODIE",
        sizes=("M", "L"),
        price_cents=6_800,
        stock=10,
    )
    make_product(name="Enamel Mug", slug="mug", sku="MUG", price_cents=1_800, stock=3)
    make_product(name="Retired Cap", slug="cap", sku="CAP", is_published=False)
    make_guide(name="Workbook", slug="workbook", sku="GUIDE-WB", price_cents=1_900)
    make_guide(
        name="Essential Guide",
        slug="essential",
        sku="GUIDE-FREE",
        price_cents=0,
        is_lead_magnet=True,
    )


# --- the JSON API -----------------------------------------------------------------------------


def test_empty_cart_json_has_the_documented_shape(client: FlaskClient, catalog: None) -> None:
    response = client.get("/cart.json")

    assert response.status_code == 200
    assert response.get_json() == {
        "items": [],
        "item_count": 0,
        "subtotal_cents": 0,
        "merchandise_subtotal_cents": 0,
        "requires_shipping": False,
        "shipping_cents": 0,
        "free_shipping_threshold_cents": 15_000,
        "free_shipping_remaining_cents": 0,
        "total_cents": 0,
        "currency": "usd",
        "tax_cents": 0,
        "country": "US",
        "tax_depends_on_address": True,
        "discount_code": None,
        "discount_cents": 0,
        "discount_problem": None,
    }


def test_add_json_returns_the_priced_cart(client: FlaskClient, catalog: None) -> None:
    response = client.post("/cart/add.json", json={"sku": "HOODIE-M", "quantity": 2})

    assert response.status_code == 200
    data = response.get_json()
    assert data["items"] == [
        {
            "sku": "HOODIE-M",
            "name": "Spore Print Hoodie (M)",
            "quantity": 2,
            "unit_price_cents": 6_800,
            "line_total_cents": 13_600,
            "digital": False,
        }
    ]
    assert data["item_count"] == 2
    assert data["requires_shipping"] is True
    assert data["shipping_cents"] == 795
    assert data["free_shipping_remaining_cents"] == 1_400
    assert data["total_cents"] == 13_600 + 795


def test_crossing_the_threshold_makes_shipping_free(client: FlaskClient, catalog: None) -> None:
    client.post("/cart/add.json", json={"sku": "HOODIE-M", "quantity": 2})

    data = client.post("/cart/add.json", json={"sku": "MUG", "quantity": 1}).get_json()

    assert data["merchandise_subtotal_cents"] == 15_400
    assert data["shipping_cents"] == 0
    assert data["free_shipping_remaining_cents"] == 0
    assert data["total_cents"] == 15_400


def test_guides_do_not_count_toward_free_shipping(client: FlaskClient, catalog: None) -> None:
    client.post("/cart/add.json", json={"sku": "HOODIE-M", "quantity": 2})

    data = client.post("/cart/add.json", json={"sku": "GUIDE-WB"}).get_json()

    assert data["subtotal_cents"] == 15_500
    assert data["shipping_cents"] == 795
    assert data["free_shipping_remaining_cents"] == 1_400


def test_digital_only_cart_needs_no_shipping(client: FlaskClient, catalog: None) -> None:
    data = client.post("/cart/add.json", json={"sku": "GUIDE-WB", "quantity": 1}).get_json()

    assert data["requires_shipping"] is False
    assert data["shipping_cents"] == 0
    assert data["total_cents"] == 1_900
    assert data["items"][0]["digital"] is True


def test_change_json_sets_and_zero_removes(client: FlaskClient, catalog: None) -> None:
    client.post("/cart/add.json", json={"sku": "HOODIE-M", "quantity": 1})
    client.post("/cart/add.json", json={"sku": "MUG", "quantity": 1})

    response = client.post("/cart/change.json", json={"sku": "HOODIE-M", "quantity": 3})
    assert response.status_code == 200
    assert response.get_json()["item_count"] == 4

    response = client.post("/cart/change.json", json={"sku": "MUG", "quantity": 0})
    assert cart_state(client) == {"HOODIE-M": 3}


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"sku": "MUG", "quantity": 0}, 400, "at least 1"),
        ({"sku": "MUG", "quantity": -2}, 400, "at least 1"),
        ({"sku": "MUG", "quantity": 1.5}, 400, "whole number"),
        ({"sku": "MUG", "quantity": "2"}, 400, "whole number"),
        ({"sku": "MUG", "quantity": True}, 400, "whole number"),
        ({"sku": "MUG", "quantity": None}, 400, "required"),
        ({"sku": "MUG", "quantity": 1_000_000}, 400, "at most 10"),
        ({"sku": "HOODIE-M", "quantity": 11}, 400, "at most 10"),
        ({"sku": "MUG", "quantity": 4}, 409, "Only 3 left"),
        ({"sku": "NOPE", "quantity": 1}, 404, "couldn't find"),
        ({"sku": "CAP", "quantity": 1}, 404, "couldn't find"),
        ({"sku": "GUIDE-FREE", "quantity": 1}, 400, "free"),
        ({"sku": "", "quantity": 1}, 400, "sku"),
        ({"sku": 12, "quantity": 1}, 400, "sku"),
        ({"quantity": 1}, 400, "sku"),
        ([1, 2], 400, "JSON object"),
        ("MUG", 400, "JSON object"),
    ],
)
def test_bad_adds_are_refused_and_leave_the_cart_alone(
    client: FlaskClient, catalog: None, body: object, status: int, message: str
) -> None:
    client.post("/cart/add.json", json={"sku": "HOODIE-L", "quantity": 1})

    response = client.post("/cart/add.json", json=body)

    assert response.status_code == status
    assert message in response.get_json()["error"]
    assert cart_state(client) == {"HOODIE-L": 1}


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"",
        b"null",
        b'{"sku": "MUG", "quantity": 1e400}',
        b'{"sku":"MUG","quantity":NaN}',
    ],
)
def test_malformed_json_is_a_400(client: FlaskClient, catalog: None, raw: bytes) -> None:
    response = client.post("/cart/add.json", data=raw, content_type="application/json")

    assert response.status_code == 400
    assert "error" in response.get_json()
    assert cart_state(client) == {}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"sku": "HOODIE-M", "quantity": -1}, 400),
        ({"sku": "HOODIE-M", "quantity": 11}, 400),
        ({"sku": "HOODIE-M", "quantity": 2.5}, 400),
        ({"sku": "HOODIE-M"}, 400),
        ({"sku": "MUG", "quantity": 1}, 404),  # not in the cart
        ({"sku": "NOPE", "quantity": 1}, 404),
    ],
)
def test_bad_changes_are_refused_and_leave_the_cart_alone(
    client: FlaskClient, catalog: None, body: dict[str, object], status: int
) -> None:
    client.post("/cart/add.json", json={"sku": "HOODIE-M", "quantity": 2})

    response = client.post("/cart/change.json", json=body)

    assert response.status_code == status
    assert response.get_json()["error"]
    assert cart_state(client) == {"HOODIE-M": 2}


def test_change_above_stock_says_how_many_are_left(client: FlaskClient, catalog: None) -> None:
    client.post("/cart/add.json", json={"sku": "MUG", "quantity": 1})

    response = client.post("/cart/change.json", json={"sku": "MUG", "quantity": 5})

    assert response.status_code == 409
    assert response.get_json() == {"error": "Only 3 left of Enamel Mug."}


# --- the no-JavaScript forms --------------------------------------------------------------------


def test_add_form_redirects_to_the_cart_with_a_message(client: FlaskClient, catalog: None) -> None:
    response = client.post("/cart/add", data={"sku": "HOODIE-L", "quantity": "2"})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/cart")
    page = client.get("/cart").get_data(as_text=True)
    assert "Added to your cart." in page
    assert "Spore Print Hoodie" in page
    assert cart_state(client) == {"HOODIE-L": 2}


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"sku": "MUG", "quantity": "0"}, 400, "at least 1"),
        ({"sku": "MUG", "quantity": "-3"}, 400, "at least 1"),
        ({"sku": "MUG", "quantity": "two"}, 400, "whole number"),
        ({"sku": "MUG", "quantity": "1.5"}, 400, "whole number"),
        ({"sku": "MUG", "quantity": ""}, 400, "whole number"),
        ({"sku": "MUG"}, 400, "whole number"),
        ({"sku": "MUG", "quantity": "1000000"}, 400, "at most 10"),
        ({"sku": "MUG", "quantity": "9" * 5000}, 400, "whole number"),
        ({"sku": "MUG", "quantity": "4"}, 409, "Only 3 left of Enamel Mug"),
        ({"sku": "NOPE", "quantity": "1"}, 404, "couldn"),
        ({"sku": "CAP", "quantity": "1"}, 404, "couldn"),
        ({"sku": "GUIDE-FREE", "quantity": "1"}, 400, "free"),
        ({"quantity": "1"}, 400, "Choose an option"),
    ],
)
def test_bad_add_forms_show_the_page_again_with_a_message(
    client: FlaskClient, catalog: None, form: dict[str, str], status: int, message: str
) -> None:
    response = client.post("/cart/add", data=form)

    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert cart_state(client) == {}


def test_a_failed_add_shows_the_product_page_again(client: FlaskClient, catalog: None) -> None:
    response = client.post("/cart/add", data={"sku": "MUG", "quantity": "7"})

    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "<h1>Enamel Mug</h1>" in page
    assert "Only 3 left of Enamel Mug." in page


def test_update_and_remove_forms(client: FlaskClient, catalog: None) -> None:
    client.post("/cart/add", data={"sku": "HOODIE-M", "quantity": "1"})
    client.post("/cart/add", data={"sku": "MUG", "quantity": "1"})

    response = client.post("/cart/update", data={"sku": "HOODIE-M", "quantity": "3"})
    assert response.status_code == 303
    response = client.post("/cart/remove", data={"sku": "MUG"})
    assert response.status_code == 303

    assert cart_state(client) == {"HOODIE-M": 3}
    assert "Removed from your cart." in client.get("/cart").get_data(as_text=True)


def test_update_to_zero_removes(client: FlaskClient, catalog: None) -> None:
    client.post("/cart/add", data={"sku": "MUG", "quantity": "1"})

    client.post("/cart/update", data={"sku": "MUG", "quantity": "0"})

    assert cart_state(client) == {}


@pytest.mark.parametrize(
    ("path", "form", "status", "message"),
    [
        ("/cart/update", {"sku": "MUG", "quantity": "-1"}, 400, "cannot be negative"),
        ("/cart/update", {"sku": "MUG", "quantity": "abc"}, 400, "whole number"),
        ("/cart/update", {"sku": "MUG", "quantity": "11"}, 400, "at most 10"),
        ("/cart/update", {"sku": "MUG", "quantity": "3000000"}, 400, "at most 10"),
        ("/cart/update", {"sku": "MUG", "quantity": "4"}, 409, "Only 3 left"),
        ("/cart/update", {"sku": "HOODIE-L", "quantity": "1"}, 404, "isn&#39;t in your cart"),
        ("/cart/update", {"quantity": "1"}, 400, "isn&#39;t in your cart"),
        ("/cart/remove", {"sku": "HOODIE-L"}, 404, "isn&#39;t in your cart"),
        ("/cart/remove", {}, 400, "isn&#39;t in your cart"),
    ],
)
def test_bad_cart_forms_show_the_cart_again_unchanged(
    client: FlaskClient, catalog: None, path: str, form: dict[str, str], status: int, message: str
) -> None:
    client.post("/cart/add", data={"sku": "MUG", "quantity": "2"})

    response = client.post(path, data=form)

    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert message in page
    assert "Your cart" in page
    assert cart_state(client) == {"MUG": 2}


# --- pages ------------------------------------------------------------------------------------


def test_empty_cart_page_has_an_empty_state(client: FlaskClient, catalog: None) -> None:
    page = client.get("/cart").get_data(as_text=True)

    assert "Your cart is empty." in page
    assert "free shipping" not in page.split("<main", 1)[1].split("</main>")[0]


def test_cart_page_shows_progress_toward_free_shipping(client: FlaskClient, catalog: None) -> None:
    client.post("/cart/add", data={"sku": "HOODIE-M", "quantity": "1"})

    page = client.get("/cart").get_data(as_text=True)

    assert "Add <strong>$82.00</strong> more in merchandise for free shipping." in page
    assert re.search(r'<progress[^>]*max="100" value="45"', page)
    assert "$7.95" in page
    assert "$75.95" in page


def test_cart_page_celebrates_free_shipping(client: FlaskClient, catalog: None) -> None:
    client.post("/cart/add", data={"sku": "HOODIE-M", "quantity": "3"})

    page = client.get("/cart").get_data(as_text=True)

    assert "You've got free shipping." in page
    assert "more in merchandise" not in page


def test_digital_only_cart_page_says_nothing_about_free_shipping(client: FlaskClient, catalog: None) -> None:
    client.post("/cart/add", data={"sku": "GUIDE-WB", "quantity": "1"})

    main = client.get("/cart").get_data(as_text=True).split("<main", 1)[1].split("</main>")[0]

    assert "free shipping" not in main.lower()
    assert "<progress" not in main
    assert "digital delivery" in main


def test_mini_cart_counts_units(client: FlaskClient, catalog: None) -> None:
    client.post("/cart/add", data={"sku": "HOODIE-M", "quantity": "2"})
    client.post("/cart/add", data={"sku": "MUG", "quantity": "1"})

    page = client.get("/products").get_data(as_text=True)

    assert re.search(r"data-cart-count>3<", page)


def test_the_cart_survives_a_browser_restart(app: Flask, client: FlaskClient, catalog: None) -> None:
    response = client.post("/cart/add.json", json={"sku": "MUG", "quantity": 1})

    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie  # a persistent cookie, not a browser-session one
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_carts_are_private_to_their_browser(app: Flask, catalog: None) -> None:
    alice, bob = app.test_client(), app.test_client()
    alice.post("/cart/add.json", json={"sku": "MUG", "quantity": 2})

    assert cart_state(bob) == {}
    assert bob.post("/cart/change.json", json={"sku": "MUG", "quantity": 1}).status_code == 404
    assert cart_state(alice) == {"MUG": 2}


# --- CSRF -----------------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(csrf_app: Flask) -> FlaskClient:
    with csrf_app.app_context():
        make_product(name="Enamel Mug", slug="mug", sku="MUG", price_cents=1_800, stock=3)
        db.session.remove()
    return csrf_app.test_client()


def csrf_token_of(client: FlaskClient) -> str:
    page = client.get("/cart").get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert match
    return match.group(1)


def test_json_posts_need_the_csrf_header(csrf_client: FlaskClient) -> None:
    response = csrf_client.post("/cart/add.json", json={"sku": "MUG", "quantity": 1})

    assert response.status_code == 400
    assert "expired" in response.get_json()["error"]
    assert cart_state(csrf_client) == {}


def test_a_wrong_csrf_token_is_refused(csrf_client: FlaskClient) -> None:
    csrf_token_of(csrf_client)

    response = csrf_client.post(
        "/cart/add.json", json={"sku": "MUG", "quantity": 1}, headers={"X-CSRFToken": "forged"}
    )

    assert response.status_code == 400
    assert cart_state(csrf_client) == {}


def test_json_posts_with_the_meta_token_work(csrf_client: FlaskClient) -> None:
    token = csrf_token_of(csrf_client)

    response = csrf_client.post(
        "/cart/add.json", json={"sku": "MUG", "quantity": 1}, headers={"X-CSRFToken": token}
    )

    assert response.status_code == 200
    assert cart_state(csrf_client) == {"MUG": 1}


def test_forms_without_a_token_are_refused_with_a_page(csrf_client: FlaskClient) -> None:
    response = csrf_client.post("/cart/add", data={"sku": "MUG", "quantity": "1"})

    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert cart_state(csrf_client) == {}


def test_forms_with_the_token_work(csrf_client: FlaskClient) -> None:
    token = csrf_token_of(csrf_client)

    response = csrf_client.post("/cart/add", data={"sku": "MUG", "quantity": "1", "csrf_token": token})

    assert response.status_code == 303
    assert cart_state(csrf_client) == {"MUG": 1}
