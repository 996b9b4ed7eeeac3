"""The export of a customer's own data (docs/rules.md#your-data rules 1-3)."""

import json
import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.extensions import db, limiter
from shop.privacy import services
from tests.accounts.helpers import log_in
from tests.conftest import count_queries
from tests.privacy.helpers import two_customers, two_customers_with_codes

pytestmark = pytest.mark.usefixtures("shop")


def export(client: FlaskClient) -> dict:
    response = client.get("/account/data.json")
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data())


def test_the_export_holds_every_section_of_the_customers_data(app: Flask) -> None:
    ana, _ = two_customers()
    client = app.test_client()
    log_in(client, "ana@example.com")

    data = export(client)

    assert data["profile"]["email"] == "ana@example.com"
    assert data["profile"]["full_name"] == "Ana"
    assert data["addresses"] == [
        {
            "name": "Ana Lima",
            "line1": "12 Spore Street",
            "line2": "Apt 3",
            "city": "Portland",
            "region": "OR",
            "postal_code": "97201",
            "country": "US",
        }
    ]  # two orders to one address: listed once
    assert [order["number"] for order in data["orders"]] == [order.number for order in ana.orders]
    first = data["orders"][0]
    assert [(line["sku"], line["quantity"], line["line_total_cents"]) for line in first["lines"]] == [
        ("HOODIE-M", 1, 6_800),
        ("GUIDE-WB", 1, 1_900),
    ]
    assert first["total_cents"] == ana.orders[0].total_cents
    assert [grant["guide"] for grant in data["downloads"]] == ["90-Day Workbook"]
    assert data["downloads"][0]["requests"][0]["ip_address"] == "203.0.113.7"
    assert data["lead"]["email"] == "ana@example.com"
    assert data["lead"]["subscribed"] is True
    assert [(c["given"], c["form"]) for c in data["lead"]["consent_history"]] == [(True, "guide")]
    assert data["lead"]["consent_history"][0]["wording"]
    assert sorted(comment["status"] for comment in data["comments"]) == ["approved", "pending"]


@pytest.mark.parametrize(
    ("me", "other", "other_ip"),
    [
        ("ana@example.com", "bo@example.com", "198.51.100.9"),
        ("bo@example.com", "ana@example.com", "203.0.113.7"),
    ],
)
def test_the_export_holds_nothing_of_another_customer(app: Flask, me: str, other: str, other_ip: str) -> None:
    two_customers()
    client = app.test_client()
    log_in(client, me)

    text = client.get("/account/data.json").get_data(as_text=True)

    assert me in text
    assert other not in text
    assert other_ip not in text  # the other's download and consent IP address


def test_the_export_is_an_attachment_never_stored(app: Flask) -> None:
    two_customers()
    client = app.test_client()
    log_in(client, "ana@example.com")

    response = client.get("/account/data.json")

    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]


def test_an_anonymous_visitor_is_sent_to_log_in(client: FlaskClient) -> None:
    response = client.get("/account/data.json")

    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


def test_a_second_export_while_one_runs_is_refused_with_a_message(app: Flask) -> None:
    ana, _ = two_customers()
    client = app.test_client()
    log_in(client, "ana@example.com")

    with services.export_lock(ana.user.id):  # an export of Ana's data is running
        refused = client.get("/account/data.json")
    after = client.get("/account/data.json")

    assert refused.status_code == 429
    assert "already being exported" in refused.get_json()["error"]
    assert refused.headers["Retry-After"]
    assert after.status_code == 200  # the lock ends with the export


def test_the_export_goes_ahead_when_the_lock_storage_is_unreachable(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    two_customers()
    client = app.test_client()
    log_in(client, "ana@example.com")

    def unreachable(*args: object) -> bool:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(limiter.limiter, "hit", unreachable)
    monkeypatch.setattr(limiter.limiter, "clear", unreachable)

    response = client.get("/account/data.json")

    assert response.status_code == 200
    assert response.get_json()["profile"]["email"] == "ana@example.com"
    assert "export lock storage unreachable" in caplog.text


def test_another_accounts_export_does_not_block_this_one(app: Flask) -> None:
    _, bo = two_customers()
    client = app.test_client()
    log_in(client, "ana@example.com")

    with services.export_lock(bo.user.id):
        response = client.get("/account/data.json")

    assert response.status_code == 200


def test_the_export_takes_a_fixed_number_of_queries_however_many_orders(app: Flask, paid_order) -> None:
    ana, _ = two_customers()

    db.session.expire_all()
    with count_queries(app) as few:
        services.build_export(ana.user.id)
    for _ in range(5):
        paid_order(("GUIDE-WB", 1), user=ana.user)
    db.session.expire_all()
    with count_queries(app) as many:
        data = services.build_export(ana.user.id)

    assert len(data["orders"]) == 7
    assert len(many) == len(few)


def test_guest_orders_count_only_for_a_confirmed_address(app: Flask, paid_order, customer_client) -> None:
    mine = paid_order(("TEE-M", 1), email="cy@example.com").number
    paid_order(("TEE-M", 1), email="someone@example.com")
    paid_order(("TEE-M", 1), email="dee@example.com")

    confirmed = export(customer_client("cy@example.com"))
    unconfirmed = export(customer_client("dee@example.com", confirmed=False))

    assert [order["number"] for order in confirmed["orders"]] == [mine]
    assert unconfirmed["orders"] == []  # nobody proved they read dee@'s inbox


def test_two_exports_at_once_one_is_refused_and_neither_fails(app: Flask, monkeypatch) -> None:
    ana, _ = two_customers()
    first_client, second_client = app.test_client(), app.test_client()
    log_in(first_client, "ana@example.com")
    log_in(second_client, "ana@example.com")
    started, release = threading.Event(), threading.Event()
    real_build = services.build_export

    def slow_build(user_id: int) -> dict:
        started.set()
        assert release.wait(30)
        return real_build(user_id)

    monkeypatch.setattr(services, "build_export", slow_build)
    answers: list[int] = []
    first = threading.Thread(
        target=lambda: answers.append(first_client.get("/account/data.json").status_code)
    )
    first.start()
    assert started.wait(30)  # the first export is running

    second = second_client.get("/account/data.json")
    release.set()
    first.join(30)

    assert second.status_code == 429
    assert answers == [200]


def test_the_export_holds_the_customers_code_uses_and_welcome_code_only(app: Flask) -> None:
    ana, bo = two_customers_with_codes()
    client = app.test_client()
    log_in(client, "ana@example.com")

    data = export(client)

    [use] = data["discounts"]["uses"]
    assert (use["code"], use["order"], use["email"], use["discount_cents"]) == (
        "SPORES10",
        ana.orders[0].number,
        "ana@example.com",
        500,
    )
    assert use["given_back_at"] is None
    assert data["orders"][0]["discount_code"] == "SPORES10"
    assert "discount_cents" in data["orders"][0]["lines"][0]
    welcome = data["discounts"]["welcome_code"]
    assert ana.welcome is not None and bo.welcome is not None
    assert (welcome["code"], welcome["for_email"], welcome["percent_bp"]) == (
        ana.welcome.code,
        "ana@example.com",
        1_000,
    )
    text = json.dumps(data)
    assert bo.welcome.code not in text and bo.orders[0].number not in text


def test_an_export_without_codes_says_so(app: Flask) -> None:
    two_customers()
    client = app.test_client()
    log_in(client, "ana@example.com")

    assert export(client)["discounts"] == {"uses": [], "welcome_code": None}
