"""Generated junk at every route of `app.url_map`, as a visitor, a customer and an admin: never a 500, and a
refusal (4xx) stores nothing (docs/rules.md#bad-input rule 8).

Every rule and method is tried: POST and the other writing methods with form, JSON, multipart, deeply
nested and raw bodies under right and wrong content types; GET with junk query strings; path arguments
with the values the crawl found (so the view's own checks are reached) or junk for their converter. The
fields come from the forms the pages really show (tests/hostile/world.py), kept, dropped, mangled or
repeated (tests/hostile/junk.py). The examples are derandomized: CI tries the same requests every run.
Every table's rows are compared before and after each refusal (4xx) that ran a writing statement.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, Phase, given, settings
from werkzeug.routing import Rule

from shop.extensions import db
from shop.form_fields import ShopForm
from tests.hostile.junk import DEEP_LISTS, JunkRequest, junk_request
from tests.hostile.world import ACTORS, World, crawl, log_in_actors, seed, table_rows

# Examples per route and method: enough to mix every kind of body, few enough for seconds per actor.
WRITE_EXAMPLES = 5
READ_EXAMPLES = 2
# Logging out would end the actor's session for the rest of the walk.
SKIPPED_FOR_LOGGED_IN = {"accounts.logout"}
# Statements that cannot change stored data; anything else (INSERT, UPDATE, DELETE, WITH …) may.
READING = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "PRAGMA", "SHOW", "SET ")
# What a refusal may store, by rule: a log of requests for a real link, never the junk itself.
LOGGED_REFUSALS = {"downloads.download": {"download_event"}}  # docs/rules.md#downloads rule 8
# Signed webhooks: junk never carries a valid signature, so the answer is always this.
SIGNED_WEBHOOKS = {"payments.stripe_webhook": 400}


def targets(app: Flask, actor: str) -> list[tuple[Rule, str]]:
    pairs = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if actor != "visitor" and rule.endpoint in SKIPPED_FOR_LOGGED_IN:
            continue
        pairs += [(rule, method) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return pairs


def _run(world: World, client: Any, rule: Rule, method: str, writes: list[str]) -> None:
    """Throw junk at one route and method; raise AssertionError on a 5xx or a refusal that stored data.

    Reading every table after every request would be slow on PostgreSQL; the rows are compared after a
    refusal that ran any writing statement (committed or not), and read afresh after any request that
    wrote."""
    before: dict[str, Any] = {}

    @settings(
        max_examples=WRITE_EXAMPLES if method != "GET" else READ_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing request is in the message
        suppress_health_check=list(HealthCheck),
    )
    @given(junk_request(world, rule, method))
    def check(request: JunkRequest) -> None:
        if not before:
            before.update(table_rows())
        writes.clear()
        with request.send(client) as response:
            status = response.status_code
        assert status < 500 or status == 503, f"{status} for {request!r}"
        expected = SIGNED_WEBHOOKS.get(rule.endpoint)
        assert expected is None or status == expected, f"{status} for {request!r}"
        if writes and 400 <= status < 500:
            after = table_rows()
            logged = LOGGED_REFUSALS.get(rule.endpoint, set())
            changed = sorted(name for name in after if after[name] != before.get(name) and name not in logged)
            assert not changed, f"{status} changed {changed} for {request!r}"
        if writes:
            before.clear()  # it may have stored something: read the rows afresh before the next one

    check()


@contextmanager
def writing_statements(app: Flask) -> Iterator[list[str]]:
    """Collect every statement that can change stored data, run by anyone on the app's engine."""
    statements: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(READING):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)


def test_junk_at_every_route_is_never_a_500_and_a_refusal_stores_nothing(app: Flask) -> None:
    # given the small shop with one of everything, and what the three actors found on its pages
    seed(app)
    clients = log_in_actors(app)
    world = crawl(app, clients)
    assert_the_walk_reaches_the_forms(world)
    failures = {}

    # when each actor in turn throws junk at every route
    with writing_statements(app) as writes:
        for actor in ACTORS:
            for rule, method in targets(app, actor):
                try:
                    _run(world, clients[actor], rule, method, writes)
                except Exception as error:  # noqa: BLE001 (every failure is listed, not only the first)
                    failures[f"{actor}: {method} {rule.rule}"] = f"{type(error).__name__}: {str(error)[:600]}"

    # then no answer was a 500, and no refusal stored anything
    assert not failures, "\n".join(f"{route}: {error}" for route, error in failures.items())


def assert_the_walk_reaches_the_forms(world: World) -> None:
    """The junk starts from real forms and real argument values: the crawl must have found them."""
    for endpoint in (
        "cart.add",
        "guides.capture",
        "admin.product_edit",
        "admin.order_refund",
        "accounts.login",
    ):
        assert (endpoint, "POST") in world.forms, endpoint
    assert "image" in world.file_fields("admin.product_image")
    for argument in ("slug", "number", "token", "product_id", "variant_id", "article_id", "name"):
        assert world.arguments.get(argument), argument


def test_every_form_of_the_shop_derives_from_shop_form() -> None:
    pending, strays = list(FlaskForm.__subclasses__()), []
    while pending:
        form_class = pending.pop()
        pending.extend(form_class.__subclasses__())
        if form_class.__module__.startswith("shop.") and not issubclass(form_class, ShopForm):
            strays.append(form_class.__name__)

    assert strays == []


@pytest.mark.parametrize(
    "body",
    ["[1, 2]", "7", '{"email": 5, "password": ["a"]}', '{"email": "ana@example.com"}', DEEP_LISTS],
    ids=["list", "number", "wrong-types", "object", "deep"],
)
def test_a_json_body_fills_no_form_field(shop: dict, client: FlaskClient, body: str) -> None:
    login = client.post("/account/login", data=body, content_type="application/json")
    capture = client.post("/cart/add", data=body, content_type="application/json")

    assert login.status_code == 400 and "Enter your password." in login.get_data(as_text=True)
    assert capture.status_code == 400
