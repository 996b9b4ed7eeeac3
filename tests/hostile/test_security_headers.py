"""Every security header on every kind of page (docs/rules.md#security rules 2, 3 and 7): storefront,
product, guide, article, cart, checkout, account and admin pages, JSON, CSV, PDF and feeds, the error
pages, static files, uploaded images, guide downloads and redirects, in the test and the production
configuration. The URLs are found by the crawl of tests/hostile/world.py, so they hold real content.
"""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from config import ProductionConfig
from shop.security_headers import CONTENT_SECURITY_POLICY
from tests.hostile.world import World, crawl, log_in_actors, seed

NO_STORE = "private, no-store"
# Headers every response carries, whatever it is (a view may only make the CSP stricter).
EVERYWHERE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"
# Uploaded images and nothing else get a stricter policy of their own.
STRICTER_CSP = {"media.file": "default-src 'none'"}
# Pages reached through a secret link send no referrer at all, so the link never leaks.
NO_REFERRER = {
    "downloads.download",
    "guides.unsubscribe_page",
    "guides.confirm_page",
    "journal.comment_emails",
}


def _first(world: World, endpoint: str, containing: str = "") -> str:
    urls = sorted(url for url, found in world.pages.items() if found == endpoint and containing in url)
    assert urls, f"the crawl found no page of {endpoint}"
    return urls[0]


# (page type, actor, how to find the URL, the status expected, private: Cache-Control no-store or not)
PageFinder = Callable[[World], str]
PAGES: list[tuple[str, str, PageFinder, int, bool]] = [
    ("home", "visitor", lambda w: "/", 200, False),
    ("product list", "visitor", lambda w: "/products", 200, False),
    ("product", "visitor", lambda w: "/products/hoodie", 200, False),
    ("guide", "visitor", lambda w: "/guides/essential", 200, False),
    ("journal", "visitor", lambda w: "/journal", 200, False),
    ("article", "visitor", lambda w: "/journal/listening", 200, False),
    ("privacy notice", "visitor", lambda w: "/privacy", 200, False),
    ("feed", "visitor", lambda w: "/journal/feed.xml", 200, False),
    ("sitemap", "visitor", lambda w: "/sitemap.xml", 200, False),
    ("robots", "visitor", lambda w: "/robots.txt", 200, False),
    ("cart", "customer", lambda w: "/cart", 200, False),
    ("cart JSON", "customer", lambda w: "/cart.json", 200, False),
    ("health JSON", "visitor", lambda w: "/healthz", 200, False),
    ("checkout", "customer", lambda w: "/checkout", 200, True),
    ("account", "customer", lambda w: "/account/", 200, True),
    ("account orders", "customer", lambda w: "/account/orders", 200, True),
    ("account data JSON", "customer", lambda w: "/account/data.json", 200, True),
    ("login", "visitor", lambda w: "/account/login", 200, True),
    ("signed order page", "visitor", lambda w: _first(w, "orders.show", "?t="), 200, True),
    ("invoice PDF", "customer", lambda w: _first(w, "invoices.invoice_pdf"), 200, True),
    ("guide download", "visitor", lambda w: _first(w, "downloads.download"), 200, True),
    ("unsubscribe page", "visitor", lambda w: _first(w, "guides.unsubscribe_page"), 200, True),
    ("guide confirm page", "visitor", lambda w: _first(w, "guides.confirm_page"), 200, True),
    ("admin dashboard", "admin", lambda w: "/admin/", 200, True),
    ("admin order", "admin", lambda w: _first(w, "admin.order_detail"), 200, True),
    ("admin orders CSV", "admin", lambda w: "/admin/orders.csv", 200, True),
    ("admin leads CSV", "admin", lambda w: "/admin/leads/export.csv", 200, True),
    ("static file", "visitor", lambda w: "/static/css/shop.css", 200, False),
    ("uploaded image", "visitor", lambda w: _first(w, "media.file"), 200, False),
    ("favicon", "visitor", lambda w: "/favicon.ico", 200, False),
    ("404 page", "visitor", lambda w: "/no-such-page", 404, False),
    ("404 product", "visitor", lambda w: "/products/no-such-product", 404, False),
    ("404 under admin", "admin", lambda w: "/admin/orders/GS-NOSUCH", 404, True),
    ("404 image", "visitor", lambda w: "/media/none.png", 404, False),
    ("405 page", "visitor", lambda w: "/cart/add", 405, False),
    ("400 page", "admin", lambda w: "/admin/leads?confirmed=maybe", 400, True),
    ("redirect to login", "visitor", lambda w: "/account/", 302, True),
    ("redirect from admin", "visitor", lambda w: "/admin/", 302, True),
    ("redirect from checkout", "visitor", lambda w: "/checkout", 303, True),
]


@pytest.fixture(params=["test", "production"])
def world(request: pytest.FixtureRequest, make_app: Callable[..., Flask]) -> World:
    overrides = {
        "APP_ENV": "production",
        "SECRET_KEY": "s" * 40,
        "ALLOW_DEV_PAYMENTS": True,
        "SESSION_COOKIE_SECURE": ProductionConfig.SESSION_COOKIE_SECURE,
        "REMEMBER_COOKIE_SECURE": ProductionConfig.REMEMBER_COOKIE_SECURE,
    }
    app = make_app(**(overrides if request.param == "production" else {}))
    with app.app_context():
        seed(app)
        clients = log_in_actors(app)
        clients["visitor"] = app.test_client()  # a visitor with an empty cart (checkout sends them back)
        yield crawl(app, clients)


def _check(response, endpoint: str | None, production: bool, private: bool) -> list[str]:
    problems = []
    headers = response.headers
    csp = headers.get("Content-Security-Policy")
    if csp != STRICTER_CSP.get(endpoint or "", CONTENT_SECURITY_POLICY):
        problems.append(f"Content-Security-Policy: {csp}")
    expected = {**EVERYWHERE, "Referrer-Policy": "no-referrer"} if endpoint in NO_REFERRER else EVERYWHERE
    for name, value in expected.items():
        if headers.get(name) != value:
            problems.append(f"{name}: {headers.get(name)}")
    if headers.get("Strict-Transport-Security") != (HSTS if production else None):
        problems.append(f"Strict-Transport-Security: {headers.get('Strict-Transport-Security')}")
    cache_control = headers.get("Cache-Control", "")
    if private and cache_control != NO_STORE:
        problems.append(f"Cache-Control: {cache_control!r} on a private page")
    if not private and "no-store" in cache_control:
        problems.append(f"Cache-Control: {cache_control!r} on a public page")
    for cookie in headers.getlist("Set-Cookie"):
        if "HttpOnly" not in cookie or "SameSite=Lax" not in cookie or ("Secure" in cookie) != production:
            problems.append(f"Set-Cookie: {cookie}")
    return problems


def test_every_kind_of_page_carries_every_security_header(world: World) -> None:
    production = world.app.config["APP_ENV"] == "production"
    adapter = world.app.url_map.bind("localhost")
    failures = {}

    for page_type, actor, find, status, private in PAGES:
        url = find(world)
        client: FlaskClient = world.clients[actor]
        with client.get(url) as response:
            assert response.status_code == status, (page_type, url, response.status_code)
            try:
                endpoint = adapter.match(url.split("?")[0])[0]
            except Exception:  # noqa: BLE001 (an error page: no endpoint)
                endpoint = None
            if response.status_code != 200:
                endpoint = None  # an error page or a redirect is the shop's, whichever view refused
            if problems := _check(response, endpoint, production, private):
                failures[f"{page_type} {url}"] = problems

    failures.update(_json_and_posted(world, production))
    assert not failures, "\n".join(f"{page}: {problems}" for page, problems in failures.items())


def _json_and_posted(world: World, production: bool) -> dict[str, list[str]]:
    """JSON answers, a refused webhook and a posted form's redirect carry them too."""
    client = world.clients["visitor"]
    responses = {
        "JSON 400": (client.post("/cart/add.json", data=b"[[[", content_type="application/json"), 400),
        "JSON 404": (client.post("/cart/add.json", json={"sku": "NOPE", "quantity": 1}), 404),
        "JSON 200": (client.post("/cart/add.json", json={"sku": "TEE-M", "quantity": 1}), 200),
        "webhook 400": (client.post("/webhooks/stripe", data=b"{}", content_type="application/json"), 400),
        "posted form redirect": (client.post("/cart/add", data={"sku": "MUG", "quantity": "1"}), 303),
    }
    failures = {}
    for name, (response, status) in responses.items():
        problems = _check(response, None, production, private=False)
        if response.status_code != status:
            problems.append(f"status {response.status_code}, not {status}")
        if problems:
            failures[name] = problems
    return failures
