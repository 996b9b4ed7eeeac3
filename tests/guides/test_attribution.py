"""Visit tracking: the first page view of a visit sets landing page, referrer and utm_*; later ones don't."""

import pytest
from flask import Flask, session
from flask.testing import FlaskClient

from shop.catalog.models import Product
from shop.guides.attribution import SESSION_KEY, VisitSource, current_source, remember_first_touch
from tests.conftest import count_queries
from tests.guides.helpers import GUIDE_PATH


def visit_of(client: FlaskClient) -> dict | None:
    with client.session_transaction() as session:
        return session.get(SESSION_KEY)


def test_the_first_page_view_records_the_visit(client: FlaskClient, guide: Product) -> None:
    client.get(
        "/products?utm_source=newsletter&utm_medium=email&utm_campaign=nov&utm_term=sleep&utm_content=hero&x=1",
        headers={"Referer": "https://news.example.org/issue/4?subscriber=123#top"},
    )

    assert visit_of(client) == {
        "landing_page": "/products",
        "referrer": "https://news.example.org/issue/4",
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "nov",
        "utm_term": "sleep",
        "utm_content": "hero",
    }


def test_later_pages_never_overwrite_the_first_touch(client: FlaskClient, guide: Product) -> None:
    client.get("/?utm_source=newsletter")

    client.get("/products?utm_source=instagram", headers={"Referer": "https://instagram.com/"})
    client.get(f"{GUIDE_PATH}?utm_campaign=other")

    assert visit_of(client) == {"landing_page": "/", "utm_source": "newsletter"}


def test_a_referrer_from_this_site_is_not_a_source(client: FlaskClient, guide: Product) -> None:
    client.get("/products", headers={"Referer": "http://localhost/"})

    assert visit_of(client) == {"landing_page": "/products"}


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/static/css/shop.css", {}),
        ("/healthz", {}),
        ("/favicon.ico", {}),
        ("/robots.txt", {}),
        ("/sitemap.xml", {}),
        ("/cart.json?utm_source=x", {}),
        ("/guides/confirm/some-token?utm_source=x", {}),
        ("/unsubscribe/some-token", {}),
        ("/downloads/some-token", {}),
        ("/?utm_source=x", {"Sec-Purpose": "prefetch"}),
        ("/no-such-page?utm_source=x", {}),
    ],
)
def test_assets_probes_json_and_secret_links_start_no_visit(
    client: FlaskClient, guide: Product, path: str, headers: dict[str, str]
) -> None:
    with client.get(path, headers=headers):
        pass

    assert visit_of(client) is None


def test_a_form_post_starts_no_visit(client: FlaskClient, guide: Product) -> None:
    client.post(GUIDE_PATH, data={"email": "nope"})

    assert visit_of(client) is None


def test_values_are_cleaned_and_bounded(client: FlaskClient, guide: Product) -> None:
    client.get("/", query_string={"utm_source": "  news\x00letter\r\n  ", "utm_campaign": "c" * 500})

    visit = visit_of(client)
    assert visit["utm_source"] == "newsletter"
    assert visit["utm_campaign"] == "c" * 100


def test_remembering_the_visit_costs_no_query(app: Flask) -> None:
    with app.test_request_context("/?utm_source=newsletter"), count_queries(app) as statements:
        remember_first_touch()
        assert session[SESSION_KEY] == {"landing_page": "/", "utm_source": "newsletter"}

    assert statements == []


@pytest.mark.parametrize(
    "stored",
    [None, "junk", ["list"], {"utm_source": 5, "landing_page": {"x": 1}}, {"unknown": "x"}],
)
def test_a_tampered_or_odd_visit_value_reads_as_no_source(app: Flask, stored: object) -> None:
    with app.test_request_context("/"):
        session[SESSION_KEY] = stored
        assert current_source() == VisitSource()
