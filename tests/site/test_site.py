"""Site-wide behaviour: health, security headers, error pages, robots, sitemap, rate-limit page."""

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.extensions import limiter
from tests.factories import make_product

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_reports_the_database(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_down(tmp_path: Path) -> None:
    down = create_down_app(tmp_path)

    response = down.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def create_down_app(tmp_path: Path) -> Flask:
    """An app whose database file cannot be opened."""
    from config import TestConfig
    from shop import create_app

    config = type(
        "DownConfig",
        (TestConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3",
            "GUIDE_STORAGE_DIR": str(tmp_path),
        },
    )
    return create_app(config)


@pytest.mark.parametrize("url", ["/", "/products", "/cart", "/cart.json", "/no-such-page", "/healthz"])
def test_security_headers_on_every_response(client: FlaskClient, url: str) -> None:
    response = client.get(url)

    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_production_sends_hsts_and_secure_cookies(make_app) -> None:
    from config import ProductionConfig

    app = make_app(
        APP_ENV="production",
        SECRET_KEY="s3cret",
        ALLOW_DEV_PAYMENTS=True,
        SESSION_COOKIE_SECURE=ProductionConfig.SESSION_COOKIE_SECURE,
    )
    with app.app_context():
        make_product(sku="MUG")
    client = app.test_client()

    response = client.post("/cart/add.json", json={"sku": "MUG", "quantity": 1})

    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    assert "Secure" in response.headers["Set-Cookie"]


def test_production_refuses_to_start_without_a_secret_key() -> None:
    from config import ProductionConfig
    from shop import create_app

    config = type("NoSecret", (ProductionConfig,), {"SECRET_KEY": None})

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_unknown_app_env_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from config import config_from_env

    monkeypatch.setenv("APP_ENV", "staging-ish")

    with pytest.raises(RuntimeError, match="APP_ENV"):
        config_from_env()


def test_404_page_is_friendly(client: FlaskClient) -> None:
    response = client.get("/this/does/not/exist")

    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "We couldn&#39;t find that page" in page or "We couldn't find that page" in page
    assert "Browse the shop" in page


def test_405_is_a_page_not_a_crash(client: FlaskClient) -> None:
    response = client.get("/cart/add")

    assert response.status_code == 405
    assert "Go back" in response.get_data(as_text=True)


def test_500_page_is_friendly_and_hides_the_error(make_app) -> None:
    app = make_app()

    @app.get("/explode")
    def explode() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/explode")

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page
    assert "secret internals" not in page


def test_429_is_a_readable_page(make_app) -> None:
    app = make_app()

    @app.get("/limited")
    @limiter.limit("1/minute")
    def limited() -> str:
        return "ok"

    client = app.test_client()
    assert client.get("/limited").status_code == 200
    response = client.get("/limited")

    assert response.status_code == 429
    assert "tried that too many times" in response.get_data(as_text=True)


def test_robots_and_sitemap(client: FlaskClient, app: Flask) -> None:
    make_product(slug="mug", sku="MUG")
    make_product(slug="cap", sku="CAP", is_published=False)

    robots = client.get("/robots.txt")
    sitemap = client.get("/sitemap.xml")

    assert robots.status_code == 200 and "Disallow: /admin" in robots.get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in robots.get_data(as_text=True)
    body = sitemap.get_data(as_text=True)
    assert sitemap.mimetype == "application/xml"
    assert "http://localhost/products/mug" in body
    assert "/products/cap" not in body


def test_favicon(client: FlaskClient) -> None:
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.data[:4] == b"\x00\x00\x01\x00"  # ICO header


def test_templates_have_no_inline_scripts_or_styles() -> None:
    """A strict CSP only works if no template relies on inline script, style or handlers."""
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        if template.parent.name == "emails":
            continue  # email clients need inline styles; emails are never served under our CSP
        text = template.read_text()
        for match in re.finditer(r"<script(?P<attrs>[^>]*)>", text):
            attrs = match.group("attrs")
            if "src=" not in attrs and 'type="application/ld+json"' not in attrs:
                offenders.append(f"{template.name}: inline <script>")
        if re.search(r"\sstyle=", text) or "<style" in text:
            offenders.append(f"{template.name}: inline style")
        if re.search(r"\son[a-z]+=", text):
            offenders.append(f"{template.name}: inline event handler")
    assert offenders == []
