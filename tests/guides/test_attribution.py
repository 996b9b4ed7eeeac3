"""Visit tracking: the first page view of a visit sets landing page, referrer and utm_*; later ones don't."""

import pytest
from flask import Flask, g, session
from flask.testing import FlaskClient

from shop.catalog.models import Product
from shop.guides.attribution import (
    COOKIE_NAME,
    MAX_COOKIE_LENGTH,
    UTM_FIELDS,
    VisitSource,
    current_source,
    remember_first_touch,
)
from tests.conftest import count_queries
from tests.guides.helpers import GUIDE_PATH


def visit_of(client: FlaskClient) -> dict | None:
    cookie = client.get_cookie(COOKIE_NAME)
    return VisitSource.from_cookie(cookie.value).to_dict() if cookie else None


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


def test_the_visit_cookie_lasts_the_browser_session_and_is_not_for_scripts(
    client: FlaskClient, guide: Product
) -> None:
    response = client.get("/?utm_source=newsletter")

    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE_NAME}=")]
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Expires" not in header and "Max-Age" not in header


def test_the_page_that_starts_the_visit_already_knows_its_source(app: Flask) -> None:
    with app.test_request_context("/?utm_source=newsletter"):
        remember_first_touch()
        assert current_source() == VisitSource(landing_page="/", utm_source="newsletter")


def test_remembering_the_visit_costs_no_query_and_no_session(app: Flask) -> None:
    with app.test_request_context("/?utm_source=newsletter"), count_queries(app) as statements:
        remember_first_touch()
        assert g.visit_source.to_dict() == {"landing_page": "/", "utm_source": "newsletter"}
        assert not session.modified

    assert statements == []


def test_long_non_ascii_values_are_shortened_to_fit_a_cookie(app: Flask) -> None:
    source = VisitSource(
        landing_page="/" + "é" * 299,
        referrer="https://example.org/" + "🍄" * 280,
        **{name: "ü" * 100 for name in UTM_FIELDS},
    )

    encoded = source.to_cookie()

    assert len(encoded) <= MAX_COOKIE_LENGTH
    read_back = VisitSource.from_cookie(encoded)
    assert read_back.landing_page.startswith("/éé")
    assert read_back.utm_source.startswith("üü")


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "junk",
        "%ff%fe=%00",
        "utm_source=%0A%0D&landing_page=%00",
        "unknown=x",
        "utm_source=" + "x" * (MAX_COOKIE_LENGTH + 1),
    ],
)
def test_a_tampered_or_odd_visit_cookie_reads_as_no_source(app: Flask, stored: str) -> None:
    with app.test_request_context("/", headers={"Cookie": f"{COOKIE_NAME}={stored}"}):
        assert current_source() == VisitSource()


def test_a_visit_cookie_is_cleaned_on_every_read(app: Flask) -> None:
    cookie = "utm_source=news%0D%0Aletter&utm_campaign=" + "c" * 150
    with app.test_request_context("/", headers={"Cookie": f"{COOKIE_NAME}={cookie}"}):
        assert current_source() == VisitSource(utm_source="news letter", utm_campaign="c" * 100)
