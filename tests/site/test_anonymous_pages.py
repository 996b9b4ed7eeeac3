"""Whole storefront pages stored for visitors without cookies (shop/anonymous_pages.py): each visitor's
CSRF token and comment stamp are their own and post, nothing personal is stored or shown to another
visitor, and a staff edit or a scheduled article shows at once."""

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, session
from flask_limiter.util import get_qualified_name

from shop import anonymous_pages
from shop.accounts.models import Role
from shop.clock import utcnow
from shop.extensions import db, limiter
from shop.journal import comments
from shop.journal.models import ArticleStatus
from tests.admin.helpers import client_as
from tests.checkout_helpers import hidden
from tests.factories import make_product
from tests.guides.helpers import GUIDE_PATH, make_free_guide
from tests.journal.helpers import make_article

GUIDE_PRODUCT_PATH = "/products/essential"


def _fails(*args: Any, **kwargs: Any) -> str:
    raise AssertionError("rendered again: the stored page was not used")


def _cart_count(page: str) -> str:
    return re.search(r"data-cart-count>(\d+)<", page).group(1)


def test_a_stored_page_gives_each_new_visitor_a_token_of_their_own_that_posts(
    csrf_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the guide's product page, stored by a first visitor without cookies
    with csrf_app.app_context():
        make_free_guide()
        db.session.remove()
    first, second, stranger = (csrf_app.test_client() for _ in range(3))
    first_page = first.get(GUIDE_PRODUCT_PATH).get_data(as_text=True)

    # when a second new visitor opens it (from the store: rendering it again would fail)
    monkeypatch.setattr("shop.storefront.views.render_product_page", _fails)
    response = second.get(GUIDE_PRODUCT_PATH)
    second_page = response.get_data(as_text=True)

    # then their form carries a token of their own, with the session cookie that makes it valid
    assert response.status_code == 200
    assert hidden(second_page, "csrf_token") != hidden(first_page, "csrf_token")
    assert anonymous_pages.HOLE_PREFIX not in second_page
    assert any(cookie.startswith("session=") for cookie in response.headers.getlist("Set-Cookie"))
    form = {
        "email": "ana@example.com",
        "form_id": hidden(second_page, "form_id"),
        "page": hidden(second_page, "page"),
        "csrf_token": hidden(second_page, "csrf_token"),
    }
    # and CSRF is still enforced: the token posts for its visitor only, and no token is refused
    assert stranger.post(GUIDE_PATH, data=form).status_code == 400
    assert second.post(GUIDE_PATH, data={**form, "csrf_token": ""}).status_code == 400
    assert second.post(GUIDE_PATH, data=form).status_code == 303


def test_the_home_page_from_the_store_posts_too(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        make_free_guide()
        db.session.remove()
    csrf_app.test_client().get("/")  # stored
    visitor = csrf_app.test_client()
    page = visitor.get("/").get_data(as_text=True)

    response = visitor.post(
        GUIDE_PATH,
        data={"email": "bo@example.com", "form_id": "home", "csrf_token": hidden(page, "csrf_token")},
    )

    assert response.status_code == 303


def test_each_new_visitor_gets_a_fresh_comment_stamp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    # given an article page stored by a first visitor
    article = make_article(slug="listening", title="Listening")
    app.test_client().get("/journal/listening")

    # when a second visitor opens it a minute later (from the store)
    later = utcnow() + timedelta(minutes=1)
    monkeypatch.setattr("shop.journal.comments.utcnow", lambda: later)
    monkeypatch.setattr("shop.journal.views._render_article", _fails)
    page = app.test_client().get("/journal/listening").get_data(as_text=True)

    # then their comment form is dated when they opened it, not when the page was stored
    assert hidden(page, "started") == comments.form_stamp(article.id, now=later)


def test_a_shoppers_own_page_is_never_stored_or_shown_to_a_new_visitor(
    app: Flask, customer_client: Any
) -> None:
    make_product(name="Enamel Mug", slug="mug", sku="MUG", stock=30, is_featured=True)
    shopper = app.test_client()
    shopper.post("/cart/add.json", json={"sku": "MUG", "quantity": 1})
    customer = customer_client()

    # a shopper with a cart and a logged-in customer open the home page before any new visitor
    assert _cart_count(shopper.get("/").get_data(as_text=True)) == "1"
    assert "Account" in customer.get("/").get_data(as_text=True)
    new_visitor_page = app.test_client(use_cookies=False).get("/").get_data(as_text=True)
    # and after one (the page is stored now)
    assert _cart_count(shopper.get("/").get_data(as_text=True)) == "1"
    assert "Log in" not in customer.get("/").get_data(as_text=True)

    assert _cart_count(new_visitor_page) == "0"
    assert "Log in" in new_visitor_page


def test_a_rendering_that_put_anything_but_the_token_in_the_session_is_not_stored(app: Flask) -> None:
    rendered: list[str] = []

    def render(text: str) -> str:
        rendered.append(text)
        return f"<p>{text}</p>"

    with app.test_request_context("/"):
        session["_flashes"] = [("message", "Added to your cart.")]
        anonymous_pages.render_page("page", lambda: render("personal"))
    with app.test_request_context("/"):
        page = anonymous_pages.render_page("page", lambda: render("anyone's"))
    with app.test_request_context("/"):
        again = anonymous_pages.render_page("page", lambda: render("third"))

    assert page == again == "<p>anyone's</p>"
    assert rendered == ["personal", "anyone's"]


def test_visitors_with_cookies_and_posts_are_always_rendered(app: Flask) -> None:
    with app.test_request_context("/"):
        anonymous_pages.render_page("page", lambda: "stored")
    with app.test_request_context("/", headers={"Cookie": "session=abc"}):
        assert anonymous_pages.render_page("page", lambda: "theirs") == "theirs"
    with app.test_request_context("/", headers={"Cookie": "remember_token=abc"}):
        assert anonymous_pages.render_page("page", lambda: "theirs") == "theirs"
    with app.test_request_context("/", method="POST"):
        assert anonymous_pages.render_page("page", lambda: "posted") == "posted"


def test_a_staff_price_or_stock_edit_shows_to_new_visitors_at_once(app: Flask) -> None:
    product = make_product(name="Enamel Mug", slug="mug", sku="MUG", price_cents=1_800, stock=30)
    variant_id = product.variants[0].id
    staff = client_as(app, Role.STAFF)
    visitor = app.test_client(use_cookies=False)
    assert "$18.00" in visitor.get("/products/mug").get_data(as_text=True)
    assert "$18.00" in visitor.get("/products").get_data(as_text=True)

    staff.post(f"/admin/variants/{variant_id}", data={"sku": "MUG", "price": "21.00"})
    staff.post(f"/admin/variants/{variant_id}/stock", data={"delta": "-27", "reason": "breakage"})

    product_page = visitor.get("/products/mug").get_data(as_text=True)
    assert "$21.00" in product_page and "$18.00" not in product_page
    assert "Only 3 left" in product_page
    assert "$21.00" in visitor.get("/products").get_data(as_text=True)


def test_a_stored_journal_page_gives_way_when_a_scheduled_article_goes_live(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_article(title="Already out", slug="already-out", days_ago=2)
    make_article(
        title="Coming soon", status=ArticleStatus.SCHEDULED, published_at=utcnow() + timedelta(hours=1)
    )
    visitor = app.test_client(use_cookies=False)
    assert "Coming soon" not in visitor.get("/journal").get_data(as_text=True)
    assert "Coming soon" not in visitor.get("/journal/already-out").get_data(as_text=True)

    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr("shop.journal.views.utcnow", lambda: later)

    assert "Coming soon" in visitor.get("/journal").get_data(as_text=True)
    assert "Coming soon" in visitor.get("/journal/already-out").get_data(as_text=True)


def test_the_storefront_pages_that_skip_the_limiter_have_no_limits(app: Flask) -> None:
    for endpoint in anonymous_pages.STOREFRONT_PAGES:
        name = get_qualified_name(app.view_functions[endpoint])
        assert name not in limiter._marked_for_limiting, endpoint
        assert not limiter.limit_manager.decorated_limits(name), endpoint
