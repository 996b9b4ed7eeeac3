"""Every absolute link the shop emails starts with SHOP_BASE_URL, whatever Host or X-Forwarded-Host the
request carried (a reset link built from a forged Host would hand its token to that host); production
answers only its own host names."""

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from config import ProductionConfig, TestConfig, check_base_url
from shop import create_app
from shop.accounts.models import Role
from shop.downloads import services as downloads
from shop.extensions import db
from shop.urls import external_url
from tests.accounts.helpers import PASSWORD, log_in, make_user, sent_emails
from tests.checkout_helpers import add, dev_pay, hidden, place
from tests.conftest import IsolatedClient, reset_database
from tests.guides.helpers import make_free_guide, sign_up
from tests.order_factory import make_shop

BASE_URL = "https://shop.example.com/store"
URL = re.compile(r"https?://[^\s<>\"']+")

FORGERIES = [
    pytest.param(0, {"Host": "evil.example"}, id="host"),
    pytest.param(0, {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}, id="forwarded-host"),
    pytest.param(
        1,
        {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http", "X-Forwarded-For": "203.0.113.9"},
        id="forwarded-host-through-a-trusted-proxy",
    ),
]


class ForgingClient(IsolatedClient):
    """A browser whose every request carries the attacker's headers."""

    forged: dict[str, str] = {}

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["headers"] = {**self.forged, **(kwargs.get("headers") or {})}
        return super().open(*args, **kwargs)


def forging_client(app: Flask, headers: dict[str, str]) -> FlaskClient:
    client = ForgingClient(app, app.response_class, use_cookies=True)
    client.forged = headers
    return client


def links_in(message: Any) -> list[str]:
    """Every absolute URL in the message: text part, HTML part and headers."""
    parts = [message.body, *(content for content, _ in message.alternatives)]
    parts += [str(value) for value in message.extra_headers.values()]
    return [url for part in parts for url in URL.findall(part)]


# Each flow sends one kind of email through HTTP, as a visitor would, and names a path its link has.


def password_reset(app: Flask, client: FlaskClient) -> str:
    make_user()
    assert client.post("/account/reset", data={"email": "ana@example.com"}).status_code == 200
    return "/account/reset/"


def account_confirmation(app: Flask, client: FlaskClient) -> str:
    response = client.post("/account/register", data={"email": "new@example.com", "password": PASSWORD})
    assert response.status_code == 200
    return "/account/confirm/"


def registration_attempt(app: Flask, client: FlaskClient) -> str:
    make_user()
    response = client.post("/account/register", data={"email": "ana@example.com", "password": PASSWORD})
    assert response.status_code == 200
    return "/account/reset"


def email_change(app: Flask, client: FlaskClient) -> str:
    make_user()
    assert log_in(client).status_code == 303
    response = client.post("/account/email", data={"new_email": "ana.new@example.com", "password": PASSWORD})
    assert response.status_code == 303
    return "/account/email/confirm/"


def staff_invite(app: Flask, client: FlaskClient) -> str:
    make_user(email="boss@example.com", role=Role.ADMIN)
    assert log_in(client, email="boss@example.com").status_code == 303
    assert client.post("/admin/staff", data={"email": "new@example.com", "role": "staff"}).status_code == 303
    return "/account/reset/"


def guide_link_and_unsubscribe(app: Flask, client: FlaskClient) -> str:
    make_free_guide()
    assert sign_up(client, marketing_consent="y").status_code == 303
    return "/unsubscribe/"


def fresh_download_link(app: Flask, client: FlaskClient) -> str:
    guide = make_shop()["guide"]
    downloads.issue_grant(email="ana@example.com", product=guide, ttl_days=7, max_downloads=5)
    db.session.commit()
    response = client.post("/downloads/fresh-link", data={"email": "ana@example.com"})
    assert response.status_code == 200
    return "/downloads/"


def order_confirmation(app: Flask, client: FlaskClient) -> str:
    make_shop()
    add(client, "GUIDE-WB")
    started = place(client)
    assert started.status_code == 303
    assert dev_pay(client, started.headers["Location"]).status_code in (302, 303)
    return "/orders/"


FLOWS: list[Callable[[Flask, FlaskClient], str]] = [
    password_reset,
    account_confirmation,
    registration_attempt,
    email_change,
    staff_invite,
    guide_link_and_unsubscribe,
    fresh_download_link,
    order_confirmation,
]


@pytest.mark.parametrize("flow", FLOWS, ids=[flow.__name__ for flow in FLOWS])
@pytest.mark.parametrize(("proxies", "headers"), FORGERIES)
def test_emailed_links_start_with_the_configured_base_url(
    make_app: Callable[..., Flask],
    flow: Callable[[Flask, FlaskClient], str],
    proxies: int,
    headers: dict[str, str],
) -> None:
    # given a shop at BASE_URL and a visitor who forges the host of every request
    app = make_app(SHOP_BASE_URL=BASE_URL, TRUSTED_PROXY_COUNT=proxies)
    with app.app_context():
        client = forging_client(app, headers)

        # when their request makes the shop send an email
        path = flow(app, client)

        # then every link in it is on the shop's own address
        messages = sent_emails(app)
        assert messages, "the flow sent no email"
        links = [link for message in messages for link in links_in(message)]
        assert any(link.startswith(f"{BASE_URL}{path}") for link in links), links
        assert [link for link in links if not link.startswith(f"{BASE_URL}/")] == []


def test_links_outside_a_request_start_with_the_configured_base_url(make_app: Callable[..., Flask]) -> None:
    app = make_app(SHOP_BASE_URL=BASE_URL)
    with app.app_context():
        assert external_url("orders.show", number="GS-ABC234", t="x") == f"{BASE_URL}/orders/GS-ABC234?t=x"


# --- production answers only its own host names -------------------------------------------------------


def production_config(**overrides: Any) -> type[ProductionConfig]:
    """ProductionConfig as deployed at https://shop.example.com, on the test database."""
    settings = {
        "SECRET_KEY": "production-test-key-" + "x" * 32,
        "SHOP_BASE_URL": "https://shop.example.com",
        "EXTRA_TRUSTED_HOSTS": [],
        "SQLALCHEMY_DATABASE_URI": TestConfig.SQLALCHEMY_DATABASE_URI,
        "ALLOW_SQLITE_IN_PRODUCTION": True,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PAYMENT_PROVIDER": "dev",
        "ALLOW_DEV_PAYMENTS": True,
        "MAIL_BACKEND": "locmem",
        **overrides,
    }
    return type("DeployedConfig", (ProductionConfig,), settings)


@pytest.fixture
def production_app() -> Iterator[Callable[..., Flask]]:
    """Build production apps; their database connections are closed afterwards."""
    built: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = create_app(production_config(**overrides))
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize(
    ("proxies", "headers", "status"),
    [
        (0, {"Host": "shop.example.com"}, 200),
        (0, {"Host": "shop.example.com:443"}, 200),
        (0, {"Host": "evil.example"}, 400),
        (0, {"Host": "shop.example.com.evil.example"}, 400),
        # Without a trusted proxy, X-Forwarded-Host is ignored: the Host header decides.
        (0, {"Host": "shop.example.com", "X-Forwarded-Host": "evil.example"}, 200),
        # Behind one proxy, ProxyFix puts the proxy's X-Forwarded-Host in place first, and that is checked.
        (1, {"Host": "10.0.0.5:8000", "X-Forwarded-Host": "shop.example.com"}, 200),
        (1, {"Host": "shop.example.com", "X-Forwarded-Host": "evil.example"}, 400),
    ],
)
def test_production_refuses_a_foreign_host(
    production_app: Callable[..., Flask], proxies: int, headers: dict[str, str], status: int
) -> None:
    client = production_app(TRUSTED_PROXY_COUNT=proxies).test_client()

    for path in ("/healthz", "/privacy"):
        response = client.get(path, headers=headers)
        assert response.status_code == status, path
        if status == 400:
            assert "does not answer to that host name" in response.get_data(as_text=True)


@pytest.fixture
def deployed(production_app: Callable[..., Flask]) -> Iterator[Flask]:
    """The production app with the shop's tables, emptied afterwards."""
    app = production_app()
    with app.app_context():
        db.create_all()
    try:
        with app.app_context():
            yield app
    finally:
        reset_database(app)


def test_production_sends_no_reset_link_for_a_foreign_host(deployed: Flask) -> None:
    # given an account, and the reset form's CSRF token fetched as a browser on the real host would
    make_user()
    client = deployed.test_client()
    https = {"base_url": "https://shop.example.com", "headers": {"Referer": "https://shop.example.com/"}}
    page = client.get("/account/reset", **https).get_data(as_text=True)
    form = {"email": "ana@example.com", "csrf_token": hidden(page, "csrf_token")}

    # when the reset is requested with a forged Host, then with the real one
    forged = client.post(
        "/account/reset", data=form, base_url="https://shop.example.com", headers={"Host": "evil.example"}
    )
    genuine = client.post("/account/reset", data=form, **https)

    # then the forged request is refused and only the genuine one sends a link, on the shop's address
    assert forged.status_code == 400
    assert "does not answer to that host name" in forged.get_data(as_text=True)
    assert genuine.status_code == 200
    [message] = sent_emails(deployed)
    assert "https://shop.example.com/account/reset/" in message.body
    assert all(link.startswith("https://shop.example.com/") for link in links_in(message))


def test_production_answers_the_extra_trusted_hosts(production_app: Callable[..., Flask]) -> None:
    client = production_app(EXTRA_TRUSTED_HOSTS=["www.shop.example.com", ".cdn.example"]).test_client()

    for host, status in [("www.shop.example.com", 200), ("eu.cdn.example", 200), ("evil.example", 400)]:
        assert client.get("/healthz", headers={"Host": host}).status_code == status, host


def test_the_trusted_hosts_setting_reads_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    from config import _env_hosts

    monkeypatch.setenv("TRUSTED_HOSTS", " WWW.shop.example.com, ,.cdn.example ")

    assert _env_hosts("TRUSTED_HOSTS") == ["www.shop.example.com", ".cdn.example"]


@pytest.mark.parametrize(
    "base_url",
    [
        "",
        "shop.example.com",
        "http://shop.example.com",
        "https://",
        "https://shop.example.com?next=/",
        "https://shop.example.com#top",
        "https://user:secret@shop.example.com",
        "https://shop.example.com:99999",
        "ftp://shop.example.com",
    ],
)
def test_production_refuses_to_start_without_a_valid_https_base_url(base_url: str) -> None:
    with pytest.raises(RuntimeError, match="SHOP_BASE_URL"):
        create_app(production_config(SHOP_BASE_URL=base_url))


@pytest.mark.parametrize(
    ("base_url", "require_https", "valid"),
    [
        ("https://shop.example.com", True, True),
        ("https://shop.example.com:8443/store", True, True),
        ("http://127.0.0.1:5000", False, True),
        ("http://127.0.0.1:5000", True, False),
        ("127.0.0.1:5000", False, False),
        ("javascript:alert(1)", False, False),
    ],
)
def test_check_base_url(base_url: str, require_https: bool, valid: bool) -> None:
    if valid:
        check_base_url(base_url, require_https=require_https)
    else:
        with pytest.raises(RuntimeError, match="SHOP_BASE_URL"):
            check_base_url(base_url, require_https=require_https)
