"""Junk in URLs, query strings and JSON bodies is a 4xx, never a 500, on every route the app has.

The routes come from `app.url_map`, so a page added later is covered without touching this file. On
PostgreSQL (CI's first pass) a NUL that reached a query would be a 500; on SQLite, a number past 64 bits.
"""

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, Rule, UnicodeConverter

from config import TestConfig
from shop import create_app
from shop.url_converters import MAX_DATABASE_ID
from tests.checkout_helpers import add

# Every rule, read once from an app that never serves (listing routes needs no database).
APP = create_app(TestConfig)
RULES = sorted(APP.url_map.iter_rules(), key=lambda rule: (rule.rule, sorted(rule.methods)))
SKIPPED_ENDPOINTS = {"static", "accounts.logout"}  # a file server; logging out would end the session
GET_RULES = [r for r in RULES if "GET" in r.methods and r.endpoint not in SKIPPED_ENDPOINTS]

JUNK_PAGES = ["²", "１", "١", "-1", "0", "+1", " 1", "1.0", "1e3", "0x1", "99999999999999999999999"]
# Every query parameter some view reads, each with a value no view may pass to the database as it is.
JUNK_QUERY = {
    "q": "a\x00b",
    "category": "\x00",
    "status": "\x00",
    "from": "²",
    "to": "２０２６-01-01",
    "t": "\x00",
    "session_id": "cs_\x00",
    "confirmed": "\x00",
    "subscribed": "\x00",
    "customer": "\x00",
    "utm_source": "\x00",
    "next": "\x00",
}


_URLS = APP.url_map.bind("localhost")
_NUMBER_SLOT, _TEXT_SLOT = "987654321", "zzslotzz"


def _converters(rule: Rule) -> dict[str, object]:
    return rule._converters  # Werkzeug keeps each argument's converter here


def _sample_url(rule: Rule, *, text: str = "x", number: str = "1") -> str:
    """The rule's path with each argument filled in: `text` for string segments, `number` for ints."""
    values = {
        name: int(_NUMBER_SLOT) if isinstance(converter, IntegerConverter) else _TEXT_SLOT
        for name, converter in _converters(rule).items()
    }
    method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
    url = _URLS.build(rule.endpoint, values, method=method)
    return url.replace(_NUMBER_SLOT, number).replace(_TEXT_SLOT, text)


@pytest.fixture
def admin(shop: dict, admin_client: FlaskClient) -> FlaskClient:
    """A logged-in admin over the small shop: gets past every login and role check (customer pages too)."""
    return admin_client


def _status(client: FlaskClient, url: str, **kwargs: object) -> int:
    with client.get(url, **kwargs) as response:
        return response.status_code


def test_junk_page_numbers_are_a_404_on_every_list_and_never_a_500(admin: FlaskClient) -> None:
    failures = {}
    for rule in GET_RULES:
        url = _sample_url(rule)
        # A paginated list refuses a page that is plainly not a number: that is how every list is found.
        paginated = _status(admin, url, query_string={"page": "1"}) == 200 and (
            _status(admin, url, query_string={"page": "x"}) == 404
        )
        # Other pages ignore `page`; the values that broke `isdigit()` + `int()` are enough for them.
        pages = JUNK_PAGES if paginated else JUNK_PAGES[:1] + JUNK_PAGES[-1:]
        statuses = {page: _status(admin, url, query_string={"page": page}) for page in pages}
        crashed = any(status >= 500 for status in statuses.values())
        if crashed or (paginated and set(statuses.values()) != {404}):
            failures[rule.rule] = statuses

    assert failures == {}


def test_the_lists_named_in_the_readme_are_paginated(admin: FlaskClient) -> None:
    lists = [
        "/products",
        "/account/orders",
        "/admin/orders",
        "/admin/products",
        "/admin/leads",
        "/admin/audit",
    ]
    for url in lists:
        assert _status(admin, url, query_string={"page": "²"}) == 404, url
        assert _status(admin, url, query_string={"page": "1"}) == 200, url


def test_junk_query_parameters_are_never_a_500(admin: FlaskClient) -> None:
    failures = {}
    for rule in GET_RULES:
        url = _sample_url(rule)
        statuses = {
            name: _status(admin, url, query_string={name: value}) for name, value in JUNK_QUERY.items()
        }
        if any(status >= 500 for status in statuses.values()):
            failures[rule.rule] = statuses

    assert failures == {}


ARGUMENT_RULES = [r for r in RULES if r.arguments and r.endpoint not in SKIPPED_ENDPOINTS]
JUNK_NUMBERS = [str(MAX_DATABASE_ID + 1), str(2**63), "9" * 30, "١", "²"]
JUNK_SEGMENTS = ["a%00b", "a%1Bb", "%C2%85"]


def test_out_of_range_or_unprintable_path_arguments_are_a_404(admin: FlaskClient) -> None:
    failures = {}
    for rule in ARGUMENT_RULES:
        kinds = {type(converter) for converter in _converters(rule).values()}
        urls = []
        if any(issubclass(kind, IntegerConverter) for kind in kinds):
            urls += [_sample_url(rule, number=number) for number in JUNK_NUMBERS]
        if any(issubclass(kind, UnicodeConverter) for kind in kinds):
            urls += [_sample_url(rule, text=text) for text in JUNK_SEGMENTS]
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS", "HEAD"})[0]
        for url in urls:
            with admin.open(url, method=method) as response:
                if response.status_code != 404:
                    failures[f"{method} {url}"] = response.status_code

    assert failures == {}


def test_int_arguments_take_ascii_digits_up_to_the_largest_database_id() -> None:
    assert _URLS.match(f"/admin/leads/{MAX_DATABASE_ID}") == (
        "admin.lead_detail",
        {"lead_id": MAX_DATABASE_ID},
    )
    assert _URLS.match("/admin/leads/007") == ("admin.lead_detail", {"lead_id": 7})
    for junk in [str(MAX_DATABASE_ID + 1), "١", "１", "²", "-1"]:
        with pytest.raises(NotFound):
            _URLS.match(f"/admin/leads/{junk}")


@pytest.mark.parametrize("url", ["/cart/add.json", "/cart/change.json"])
@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"sku": "\u0000\ud800"}),
        json.dumps({"sku": "MUG\u0000"}),
        json.dumps({"sku": "\ud800"}),
        "[" * 100_000,
        '{"a": ' * 100_000,
        json.dumps({"sku": "MUG", "quantity": "²"}),
        json.dumps({"sku": "MUG", "quantity": 10**30}),
        json.dumps({"sku": "MUG", "quantity": -(10**30)}),
        '{"sku": "MUG", "quantity": 1e400}',
    ],
    ids=[
        "nul-surrogate",
        "nul",
        "surrogate",
        "nested-arrays",
        "nested-objects",
        "superscript",
        "huge",
        "-huge",
        "inf",
    ],
)
def test_junk_json_on_the_cart_api_is_a_4xx_with_a_message(
    shop: dict, client: FlaskClient, app: Flask, url: str, body: str
) -> None:
    add(client, "MUG")  # a cart to change, so the SKU is looked up

    response = client.post(url, data=body, content_type="application/json")

    assert 400 <= response.status_code < 500
    assert response.get_json()["error"]
