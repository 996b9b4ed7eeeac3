"""Storefront pages: home, the catalog list, product pages, and their query budgets."""

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.catalog.services import bump_catalog_revision
from shop.extensions import db
from tests.checkout_helpers import hidden
from tests.conftest import count_queries
from tests.factories import make_guide, make_product


def main_of(page: str) -> str:
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def json_ld_of(page: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


@pytest.fixture
def catalog(app: Flask) -> None:
    make_product(
        name="Spore Print Hoodie",
        slug="hoodie",
        sku="HOODIE",
        sizes=("S", "M", "L"),
        price_cents=6_800,
        stock=10,
        is_featured=True,
    )
    make_product(name="Enamel Mug", slug="mug", sku="MUG", category="home", price_cents=1_800, stock=3)
    make_product(
        name="Field Poster",
        slug="poster",
        sku="POSTER",
        category="home",
        price_cents=2_800,
        stock=0,
    )
    make_product(name="Retired Cap", slug="cap", sku="CAP", is_published=False)
    make_guide(name="90-Day Workbook", slug="workbook", sku="GUIDE-WB", price_cents=1_900)
    make_guide(
        name="The Essential Guide",
        slug="essential",
        sku="GUIDE-FREE",
        price_cents=0,
        is_lead_magnet=True,
    )


def test_home_has_hero_featured_products_and_the_guide_offer(client: FlaskClient, catalog: None) -> None:
    page = client.get("/").get_data(as_text=True)

    assert "<h1>" in page
    assert "Spore Print Hoodie" in page  # featured
    assert "Free: The Essential Guide" in page
    assert "Free shipping on orders over $150" in page
    assert "not medical advice" in page


def test_catalog_lists_published_products_only(client: FlaskClient, catalog: None) -> None:
    page = client.get("/products").get_data(as_text=True)

    for name in ("Spore Print Hoodie", "Enamel Mug", "Field Poster", "90-Day Workbook"):
        assert name in page
    assert "Retired Cap" not in page


def test_catalog_filters_by_category(client: FlaskClient, catalog: None) -> None:
    page = main_of(client.get("/products?category=home").get_data(as_text=True))

    assert "Enamel Mug" in page and "Field Poster" in page
    assert "Spore Print Hoodie" not in page and "90-Day Workbook" not in page
    assert 'aria-current="page">Home' in page


def test_catalog_search_matches_name_and_summary(client: FlaskClient, catalog: None) -> None:
    page = main_of(client.get("/products?q=mug").get_data(as_text=True))

    assert "Enamel Mug" in page
    assert "Spore Print Hoodie" not in page


@pytest.mark.parametrize("query", ["100%", "_", "%_%", "<script>alert(1)</script>", "x" * 500])
def test_odd_searches_are_literal_and_escaped(client: FlaskClient, catalog: None, query: str) -> None:
    response = client.get("/products", query_string={"q": query})

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in page
    assert "Nothing matches" in page


def test_catalog_paginates(app: Flask, client: FlaskClient) -> None:
    for number in range(14):
        make_product(
            name=f"Sticker {number:02d}",
            slug=f"sticker-{number}",
            sku=f"STICKER-{number}",
            commit=False,
        )
    db.session.commit()

    first = client.get("/products").get_data(as_text=True)
    second = client.get("/products?page=2").get_data(as_text=True)

    assert first.count('class="product-card"') == 12
    assert second.count('class="product-card"') == 2
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert "14 products" in first


@pytest.mark.parametrize(
    "url",
    [
        "/products?page=9",
        "/products?page=0",
        "/products?page=abc",
        "/products?category=weapons",
        "/products/no-such-thing",
        "/products/cap",
    ],
)
def test_missing_pages_are_friendly_404s(client: FlaskClient, catalog: None, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Browse the shop" in page
    assert "Traceback" not in page


def test_product_page_has_a_variant_picker_with_stock(client: FlaskClient, catalog: None) -> None:
    page = client.get("/products/hoodie").get_data(as_text=True)

    assert "<h1>Spore Print Hoodie</h1>" in page
    assert "$68.00" in page
    for size in ("S", "M", "L"):
        assert f'value="HOODIE-{size}"' in page
    assert "In stock" in page
    assert 'alt="Photo of Spore Print Hoodie"' in page
    assert 'action="/cart/add"' in page


def test_low_and_sold_out_stock_are_spelled_out(app: Flask, client: FlaskClient, catalog: None) -> None:
    mug = client.get("/products/mug").get_data(as_text=True)
    poster = client.get("/products/poster").get_data(as_text=True)

    assert "Only 3 left" in mug
    assert "Sold out" in poster
    assert re.search(r"<button[^>]*disabled[^>]*>Sold out</button>", poster)


def test_a_sold_out_size_is_disabled_and_not_preselected(app: Flask, client: FlaskClient) -> None:
    hoodie = make_product(name="Hoodie", slug="hoodie2", sku="H2", sizes=("S", "M"), stock=4)
    hoodie.variants[0].stock_on_hand = 0
    db.session.commit()

    page = client.get("/products/hoodie2").get_data(as_text=True)

    assert re.search(r'value="H2-S"[^>]*disabled', page, re.S)
    assert re.search(r'value="H2-M"[^>]*checked', page, re.S)
    assert "Only 4 left" in page


def test_product_json_ld_has_an_offer_per_variant(client: FlaskClient, catalog: None) -> None:
    data = json_ld_of(client.get("/products/hoodie").get_data(as_text=True))

    assert data["@type"] == "Product"
    assert data["name"] == "Spore Print Hoodie"
    offers = data["offers"]
    assert [offer["sku"] for offer in offers] == ["HOODIE-S", "HOODIE-M", "HOODIE-L"]
    assert {offer["price"] for offer in offers} == {"68.00"}
    assert {offer["priceCurrency"] for offer in offers} == {"USD"}
    assert {offer["availability"] for offer in offers} == {"https://schema.org/InStock"}


def test_json_ld_marks_sold_out_offers(client: FlaskClient, catalog: None) -> None:
    data = json_ld_of(client.get("/products/poster").get_data(as_text=True))

    assert data["offers"][0]["availability"] == "https://schema.org/OutOfStock"


def test_json_ld_cannot_be_broken_out_of(app: Flask, client: FlaskClient) -> None:
    make_product(name="</script><script>alert(1)</script>", slug="evil", sku="EVIL")

    page = client.get("/products/evil").get_data(as_text=True)

    assert "<script>alert(1)" not in page
    assert json_ld_of(page)["name"] == "</script><script>alert(1)</script>"


def test_the_free_guide_page_offers_the_email_gate_not_the_cart(client: FlaskClient, catalog: None) -> None:
    page = main_of(client.get("/products/essential").get_data(as_text=True))

    assert 'id="guide-gate"' in page
    assert "Add to cart" not in page
    assert 'action="/cart/add"' not in page
    assert "not medical advice" in page


def test_paid_guides_carry_the_health_disclaimer_and_no_shipping_talk(
    client: FlaskClient, catalog: None
) -> None:
    page = main_of(client.get("/products/workbook").get_data(as_text=True))

    assert "not medical advice" in page
    assert "Add to cart" in page
    assert "free shipping" not in page.lower()


def test_physical_product_page_mentions_the_free_shipping_threshold(
    client: FlaskClient, catalog: None
) -> None:
    page = main_of(client.get("/products/mug").get_data(as_text=True))

    assert "Free shipping on merchandise orders of $150 or more." in page


def test_product_page_shows_what_the_cart_still_needs(client: FlaskClient, catalog: None) -> None:
    client.post("/cart/add.json", json={"sku": "HOODIE-M", "quantity": 1})

    page = main_of(client.get("/products/mug").get_data(as_text=True))

    assert "Add <strong>$82.00</strong> more in merchandise for free shipping." in page
    assert "<progress" in page


def test_cached_product_pages_follow_the_catalog_revision(
    app: Flask, client: FlaskClient, catalog: None
) -> None:
    # given a page that has been rendered (and cached) with 3 mugs left
    assert "Only 3 left" in client.get("/products/mug").get_data(as_text=True)

    # when stock changes through a service that bumps the revision
    from shop.catalog.models import ProductVariant

    variant = db.session.scalar(db.select(ProductVariant).where(ProductVariant.sku == "MUG"))
    variant.stock_on_hand = 2
    bump_catalog_revision()
    db.session.commit()

    # then the next view shows the new stock
    assert "Only 2 left" in client.get("/products/mug").get_data(as_text=True)


def _query_count(app: Flask, client: FlaskClient, url: str) -> int:
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("url", ["/", "/products", "/products?category=apparel&q=e", "/products/product-1"])
def test_pages_run_a_fixed_number_of_queries_whatever_the_catalog_size(
    app: Flask, client: FlaskClient, url: str
) -> None:
    # given a small catalog
    for number in range(1, 4):
        make_product(
            slug=f"product-{number}",
            sku=f"P{number}",
            sizes=("S", "M"),
            is_featured=True,
            commit=False,
        )
    db.session.commit()
    client.post("/cart/add.json", json={"sku": "P1-S", "quantity": 1})
    small_cold = _query_count(app, client, url)
    small_warm = _query_count(app, client, url)

    # when the catalog grows tenfold
    for number in range(4, 40):
        make_product(
            slug=f"product-{number}",
            sku=f"P{number}",
            sizes=("S", "M", "L"),
            is_featured=True,
            commit=False,
        )
    bump_catalog_revision()
    db.session.commit()
    large_cold = _query_count(app, client, url)
    large_warm = _query_count(app, client, url)

    # then the page costs the same number of queries, and a cached page very few
    assert large_cold == small_cold <= 8
    assert large_warm == small_warm <= 3


def test_a_cached_product_page_gets_each_visitors_own_token_and_shipping(csrf_app: Flask) -> None:
    # given a product page rendered once and cached
    with csrf_app.app_context():
        make_product(name="Enamel Mug", slug="mug", sku="MUG", price_cents=1_800, stock=30)
        db.session.remove()
    first, second = csrf_app.test_client(), csrf_app.test_client()
    first_page = first.get("/products/mug").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', first_page).group(1)
    first.post("/cart/add.json", json={"sku": "MUG", "quantity": 2}, headers={"X-CSRFToken": token})

    # when both visitors open it again
    first_again = main_of(first.get("/products/mug").get_data(as_text=True))
    second_page = main_of(second.get("/products/mug").get_data(as_text=True))

    # then each form carries that visitor's token and each sees their own cart's shipping
    def form_token(page: str) -> str:
        return hidden(page, "csrf_token")

    assert form_token(first_again) != form_token(second_page)
    assert "Add <strong>$114.00</strong> more" in first_again
    assert "Free shipping on merchandise orders of $150 or more." in second_page
    assert "<!--shop:" not in first_again + second_page
