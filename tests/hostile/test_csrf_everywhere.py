"""Every route that writes (POST, PUT, PATCH, DELETE) refuses a request without the CSRF token, for every
kind of session, with CSRF on as in production (docs/rules.md#security rule 1).

The routes come from `app.url_map`: a new writing route is refused unless it is listed below as an
exception, so an unprotected route cannot appear unnoticed. The same requests with the session's token
get past the check, so the refusals are the token's doing.
"""

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from shop.accounts.models import Role
from shop.extensions import csrf
from tests.accounts.helpers import log_in_with_csrf, make_user
from tests.hostile.world import ACTORS, CUSTOMER_EMAIL, WRITE_METHODS, seed

# The only routes a request without the token may reach, and why.
EXEMPT = {
    # Stripe cannot send the shop's token: the signature on the raw body authenticates the event.
    "payments.stripe_webhook": "shop.payments.views.stripe_webhook",
}
# Exempt only for an RFC 8058 one-click body (a mail provider's POST, no cookie): the signed token in the
# URL is the authority. The page's own form still needs the CSRF token, and is walked like any route.
ONE_CLICK = {
    "guides.unsubscribe": "shop.guides.views.unsubscribe",
    "journal.stop_comment_emails": "shop.journal.comment_views.stop_comment_emails",
}
ONE_CLICK_BODY = {"List-Unsubscribe": "One-Click"}
REFUSAL = "This form has expired or was sent from another page."
_ARGUMENT = re.compile(r"<(int:)?[^<>]+>")


def writing_routes(app: Flask) -> list[tuple[Rule, str, str]]:
    """(rule, method, url) for every writing method of every rule, logging out last (it ends the session)."""
    routes = []
    for rule in app.url_map.iter_rules():
        url = _ARGUMENT.sub(lambda match: "1" if match.group(1) else "x", rule.rule)
        routes += [(rule, method, url) for method in sorted(rule.methods & WRITE_METHODS)]
    return sorted(routes, key=lambda route: (route[0].endpoint == "accounts.logout", route[2], route[1]))


def is_refused(response) -> bool:
    return response.status_code == 400 and REFUSAL in response.get_data(as_text=True)


def client_for(app: Flask, actor: str) -> FlaskClient:
    """A session that would otherwise be let in: logged in with the token, as a browser does."""
    client = app.test_client()
    if actor != "visitor":
        email = CUSTOMER_EMAIL if actor == "customer" else "admin@example.com"
        if actor == "admin":
            make_user(email=email, role=Role.ADMIN)
        log_in_with_csrf(client, email)
    return client


def page_token(client: FlaskClient) -> str:
    page = client.get("/cart").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


@pytest.fixture
def app(csrf_app: Flask) -> Flask:
    with csrf_app.app_context():
        seed(csrf_app)
        yield csrf_app


@pytest.mark.parametrize("actor", ACTORS)
def test_every_writing_route_refuses_a_request_without_the_csrf_token(app: Flask, actor: str) -> None:
    client = client_for(app, actor)
    page_token(client)  # the session holds a token: only the request lacks it
    let_through = []

    for rule, method, url in writing_routes(app):
        if rule.endpoint in EXEMPT:
            continue
        as_form = client.open(url, method=method, data={"quantity": "1", "sku": "TEE-M"})
        as_json = client.open(url, method=method, json={"sku": "TEE-M", "quantity": 1})
        if not (is_refused(as_form) and is_refused(as_json)):
            let_through.append(f"{method} {url}: {as_form.status_code}, {as_json.status_code}")

    assert let_through == []


def test_with_the_token_the_same_requests_get_past_the_check(app: Flask) -> None:
    client = client_for(app, "admin")
    token = page_token(client)
    refused = []

    for _rule, method, url in writing_routes(app):
        response = client.open(url, method=method, data={"csrf_token": token}, headers={"X-CSRFToken": token})
        if is_refused(response):
            refused.append(f"{method} {url}")

    assert refused == []


def test_the_exceptions_are_the_signed_webhook_and_one_click_unsubscribes(app: Flask) -> None:
    client = client_for(app, "customer")

    # exactly these views skip Flask-WTF's check: a new @csrf.exempt fails here until it is listed
    assert csrf._exempt_views == set(EXEMPT.values()) | set(ONE_CLICK.values())
    for endpoint in (*EXEMPT, *ONE_CLICK):
        assert endpoint in app.view_functions, f"{endpoint} is listed but no longer a route"
    # an unsigned webhook is refused by its signature check, not by CSRF
    webhook = client.post("/webhooks/stripe", data=b"{}", content_type="application/json")
    assert webhook.status_code == 400 and webhook.get_json() == {"error": "invalid webhook"}
    # a one-click body needs no token (the made-up signed token in the URL is then the refusal)
    for url in ("/unsubscribe/x", "/journal/comment-emails/x"):
        one_click = client.post(url, data=ONE_CLICK_BODY)
        assert not is_refused(one_click) and one_click.status_code == 404, url
        assert is_refused(client.post(url, data={})), url
