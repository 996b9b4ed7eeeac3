"""Accounts through HTTP: register, log in/out, reset, change password and email, and their abuse."""

import html
import re
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.accounts.models import User
from shop.extensions import db
from tests.accounts.helpers import PASSWORD, link_in_last_email, log_in, make_user, reload, sent_emails
from tests.factories import make_product


def test_register_emails_a_confirmation_and_does_not_log_in(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/account/register", data={"email": "ana@example.com", "password": PASSWORD, "full_name": "Ana"}
    )

    assert response.status_code == 200
    assert "Check your inbox" in response.get_data(as_text=True)
    assert client.get("/account/").status_code == 302  # not logged in: they log in with their password
    assert "/account/confirm/" in link_in_last_email(app, "ana@example.com")
    assert log_in(client).status_code == 303


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"email": "ana@example.com", "password": "short"}, "at least 10"),
        ({"email": "ana@example.com", "password": "password123"}, "too common"),
        ({"email": "not-an-email", "password": PASSWORD}, "valid email"),
        ({"email": "", "password": PASSWORD}, "Enter your email"),
        ({"email": "ana@example.com\r\nBcc: x@example.com", "password": PASSWORD}, "valid email"),
        ({"email": "ana@example.com", "password": ""}, "Choose a password"),
        ({"email": "ana@example.com", "password": PASSWORD, "full_name": "x" * 5000}, "at most 120"),
    ],
)
def test_bad_registrations_are_400_with_a_message(
    client: FlaskClient, form: dict[str, str], message: str
) -> None:
    response = client.post("/account/register", data=form)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.query(User).count() == 0


def test_register_answers_a_taken_address_exactly_as_a_new_one(app: Flask) -> None:
    # given an account for ana@example.com
    owner = make_user()
    new_visitor, other_visitor = app.test_client(), app.test_client()

    # when one visitor registers a new address and another registers Ana's (in another letter case)
    fresh = new_visitor.post("/account/register", data={"email": "bo@example.com", "password": PASSWORD})
    taken = other_visitor.post("/account/register", data={"email": "ANA@example.com", "password": PASSWORD})

    # then both get the same status, page and cookies, and neither is logged in
    assert fresh.status_code == taken.status_code == 200
    fresh_page = fresh.get_data(as_text=True).replace("bo@example.com", "EMAIL")
    assert fresh_page == taken.get_data(as_text=True).replace("ANA@example.com", "EMAIL")
    assert fresh.headers.getlist("Set-Cookie") == taken.headers.getlist("Set-Cookie") == []
    assert new_visitor.get("/account/").status_code == other_visitor.get("/account/").status_code == 302
    # and the owner is told by email, with a way in; their account is unchanged
    [message] = [m for m in sent_emails(app) if m.to == ["ana@example.com"]]
    assert message.subject == "You already have an account"
    assert "http://localhost/account/login" in message.body
    assert "http://localhost/account/reset" in message.body
    assert reload(owner).check_password(PASSWORD)
    assert db.session.query(User).count() == 2


def test_register_and_login_forms_carry_autocomplete_tokens(client: FlaskClient) -> None:
    register = client.get("/account/register").get_data(as_text=True)
    login = client.get("/account/login").get_data(as_text=True)

    assert re.search(r'autocomplete="email"[^>]*name="email"|name="email"[^>]*autocomplete="email"', register)
    assert 'autocomplete="new-password"' in register
    assert 'autocomplete="current-password"' in login
    assert '<label for="password">' in login


def test_login_and_logout(app: Flask, client: FlaskClient) -> None:
    make_user()

    response = log_in(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account/"
    assert "Logged in as" in client.get("/account/").get_data(as_text=True)

    assert "Log out?" in client.get("/account/logout").get_data(as_text=True)  # GET changes nothing
    assert client.get("/account/").status_code == 200
    response = client.post("/account/logout")
    assert response.status_code == 303
    assert client.get("/account/").status_code == 302


def test_logging_out_ends_a_remembered_session(app: Flask, client: FlaskClient) -> None:
    # given a customer logged in with "Keep me logged in"
    make_user()
    log_in(client, remember="y")
    assert client.get_cookie("remember_token") is not None

    # when they log out
    response = client.post("/account/logout")

    # then the remember cookie is deleted and the next request is anonymous
    assert response.status_code == 303
    assert client.get_cookie("remember_token") is None
    assert client.get("/account/").status_code == 302


def test_cookies_copied_before_a_logout_stop_working(app: Flask) -> None:
    # given a remembered login whose session and remember cookies were copied to other browsers
    make_user()
    browser = app.test_client()
    log_in(browser, remember="y")
    copy_of_session, copy_of_remember = app.test_client(), app.test_client()
    copy_of_session.set_cookie("session", browser.get_cookie("session").value)
    copy_of_remember.set_cookie("remember_token", browser.get_cookie("remember_token").value)
    assert copy_of_session.get("/account/").status_code == 200  # the copies work while logged in
    assert copy_of_remember.get("/account/").status_code == 200
    copy_of_remember.delete_cookie("session")  # keep only the remember cookie

    # when the customer logs out
    browser.post("/account/logout")

    # then neither copy logs anyone in
    assert copy_of_session.get("/account/").status_code == 302
    assert copy_of_remember.get("/account/").status_code == 302
    assert log_in(browser).status_code == 303  # the password still works


@pytest.mark.parametrize(
    ("email", "password"), [("ana@example.com", "wrong password here"), ("nobody@example.com", PASSWORD)]
)
def test_unknown_email_and_wrong_password_get_the_same_answer(
    app: Flask, client: FlaskClient, email: str, password: str
) -> None:
    make_user()

    response = log_in(client, email=email, password=password)

    assert response.status_code == 400
    assert "That email and password don&#39;t match an account." in response.get_data(as_text=True)


NEXT_CASES = [
    ("/cart", "/cart"),
    ("/products?category=guides", "/products?category=guides"),
    ("https://evil.example/steal", "/account/"),
    ("//evil.example/steal", "/account/"),
    ("/\\evil.example", "/account/"),
    ("javascript:alert(1)", "/account/"),
    ("http:/evil.example", "/account/"),
    (" /cart", "/account/"),
    ("/%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1"),
    ("/\t/evil.example", "/account/"),
]


def nexts_passed_on(page: str, path: str) -> set[str]:
    """The `next` values of the page's links and form actions to `path` (links without one left out)."""
    targets = re.findall(rf'(?:href|action)="({re.escape(path)}[^"]*)"', page)
    queries = [parse_qs(urlsplit(html.unescape(target)).query) for target in targets]
    return {value for query in queries for value in query.get("next", [])}


@pytest.mark.parametrize(("next_url", "expected"), NEXT_CASES)
def test_next_never_leaves_the_site(app: Flask, client: FlaskClient, next_url: str, expected: str) -> None:
    make_user()

    response = client.post(
        "/account/login",
        query_string={"next": next_url},
        data={"email": "ana@example.com", "password": PASSWORD},
    )

    assert response.status_code == 303
    assert response.headers["Location"] == expected


@pytest.fixture
def unlimited(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """An app without rate limits, for tests that post one form many times."""
    app = make_app(RATELIMIT_ENABLED=False)
    with app.app_context():
        yield app


def test_next_in_the_login_form_body_never_leaves_the_site(unlimited: Flask) -> None:
    make_user()

    for next_url, expected in NEXT_CASES:
        response = unlimited.test_client().post(
            "/account/login", data={"email": "ana@example.com", "password": PASSWORD, "next": next_url}
        )

        assert response.headers["Location"] == expected, next_url


def test_the_login_page_passes_on_only_a_local_next(client: FlaskClient) -> None:
    for next_url, expected in NEXT_CASES:
        page = client.get("/account/login", query_string={"next": next_url}).get_data(as_text=True)

        assert nexts_passed_on(page, "/account/login") == {expected}, next_url  # the form's action
        assert nexts_passed_on(page, "/account/register") == {expected}, next_url  # "Create an account"
        assert "evil.example" not in page and "javascript:" not in page, next_url


def test_a_logged_in_visitor_is_sent_on_only_within_the_site(app: Flask, client: FlaskClient) -> None:
    make_user()
    log_in(client)

    for endpoint in ("/account/login", "/account/register"):
        for next_url, expected in NEXT_CASES:
            response = client.get(endpoint, query_string={"next": next_url})

            assert response.status_code == 302, (endpoint, next_url)
            assert response.headers["Location"] == expected, (endpoint, next_url)


def test_register_passes_on_only_a_local_next(unlimited: Flask) -> None:
    for number, (next_url, expected) in enumerate(NEXT_CASES):
        client = unlimited.test_client()
        form = client.get("/account/register", query_string={"next": next_url})
        response = client.post(
            "/account/register",
            query_string={"next": next_url},
            data={"email": f"visitor{number}@example.com", "password": PASSWORD},
        )

        assert "evil.example" not in form.get_data(as_text=True), next_url
        assert response.status_code == 200, next_url
        page = response.get_data(as_text=True)
        assert nexts_passed_on(page, "/account/login") == {expected}, next_url  # "Log in" after confirming
        assert "evil.example" not in page and "javascript:" not in page, next_url


def test_login_starts_a_fresh_session_but_keeps_the_cart(app: Flask, client: FlaskClient) -> None:
    make_user()
    make_product(sku="MUG")
    client.post("/cart/add.json", json={"sku": "MUG", "quantity": 2})
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"

    log_in(client)

    with client.session_transaction() as session:
        assert "planted" not in session
    assert client.get("/cart.json").get_json()["item_count"] == 2


def test_remember_me_sets_a_long_lived_cookie_only_when_asked(app: Flask) -> None:
    make_user()
    without, with_remember = app.test_client(), app.test_client()

    plain = log_in(without)
    remembered = log_in(with_remember, remember="y")

    assert "remember_token" not in " ".join(plain.headers.getlist("Set-Cookie"))
    cookie = next(c for c in remembered.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "HttpOnly" in cookie and "Expires=" in cookie


def test_account_pages_need_a_login(client: FlaskClient) -> None:
    for url in ["/account/", "/account/password", "/account/email"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/account/login?next=")


def test_password_reset_flow(app: Flask, client: FlaskClient) -> None:
    # given a customer who forgot their password
    user = make_user()

    # when they ask for a link and follow it
    response = client.post("/account/reset", data={"email": "ANA@example.com"})
    assert "Check your inbox" in response.get_data(as_text=True)
    link = link_in_last_email(app, "ana@example.com")
    assert "Choose a new password" in client.get(link).get_data(as_text=True)
    response = client.post(link, data={"password": "a fresh passphrase"})

    # then the password is changed, they are logged in, and the link is spent
    assert response.status_code == 303
    assert reload(user).check_password("a fresh passphrase")
    assert client.get("/account/").status_code == 200
    again = client.post(link, data={"password": "yet another passphrase"})
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_password_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(
    app: Flask, client: FlaskClient
) -> None:
    response = client.post("/account/reset", data={"email": "nobody@example.com"})

    assert response.status_code == 200
    assert "Check your inbox" in response.get_data(as_text=True)
    assert sent_emails(app) == []


def test_a_tampered_reset_link_is_refused(app: Flask, client: FlaskClient) -> None:
    make_user()
    client.post("/account/reset", data={"email": "ana@example.com"})
    link = link_in_last_email(app, "ana@example.com")

    response = client.post(link[:-2] + "xx", data={"password": "a fresh passphrase"})

    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_a_weak_new_password_on_reset_is_refused(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    client.post("/account/reset", data={"email": "ana@example.com"})

    response = client.post(link_in_last_email(app, "ana@example.com"), data={"password": "password1"})

    assert response.status_code == 400
    assert reload(user).check_password(PASSWORD)


def test_changing_the_password_logs_out_other_devices(app: Flask) -> None:
    make_user()
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop)
    log_in(phone)

    response = laptop.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "a fresh passphrase"}
    )

    assert response.status_code == 303
    assert laptop.get("/account/").status_code == 200
    assert phone.get("/account/").status_code == 302


def test_changing_the_password_needs_the_current_one(app: Flask, client: FlaskClient) -> None:
    make_user()
    log_in(client)

    response = client.post(
        "/account/password", data={"current_password": "nope nope", "new_password": "a fresh passphrase"}
    )

    assert response.status_code == 400
    assert "current password is not right" in response.get_data(as_text=True)


def test_changing_the_email_waits_for_the_new_address_to_confirm(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    log_in(client)

    response = client.post("/account/email", data={"new_email": "Ana.New@example.com", "password": PASSWORD})
    assert response.status_code == 303
    assert reload(user).email == "ana@example.com"

    link = link_in_last_email(app, "ana.new@example.com")
    assert "Use this email address" in client.get(link).get_data(as_text=True)
    assert reload(user).email == "ana@example.com"  # a GET changes nothing
    client.post(link)

    assert reload(user).email == "ana.new@example.com"
    assert reload(user).email_confirmed


def test_confirming_the_email_needs_a_post(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    log_in(client)
    client.post("/account/confirm/resend")
    link = link_in_last_email(app, "ana@example.com")

    client.get(link)
    assert not reload(user).email_confirmed
    response = client.post(link)

    assert response.status_code == 302
    assert reload(user).email_confirmed


def test_a_foreign_confirmation_link_does_nothing(app: Flask, client: FlaskClient) -> None:
    make_user()
    other = make_user(email="bob@example.com")

    response = client.post("/account/confirm/not-a-real-token")

    assert response.status_code == 400
    assert not reload(other).email_confirmed


def test_logins_are_rate_limited_per_email(app: Flask, client: FlaskClient) -> None:
    make_user()

    statuses = [log_in(client, password=f"wrong guess {n}").status_code for n in range(6)]

    assert statuses[:5] == [400] * 5
    assert statuses[5] == 429


def test_login_needs_a_csrf_token(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        make_user()
    client = csrf_app.test_client()

    response = log_in(client)

    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_create_admin_command(app: Flask) -> None:
    runner = app.test_cli_runner()

    ok = runner.invoke(
        args=["shop", "create-admin", "boss@example.com", "--password", "a strong staff passphrase"]
    )
    weak = runner.invoke(args=["shop", "create-admin", "weak@example.com", "--password", "password"])
    prompted = runner.invoke(
        args=["shop", "create-admin", "staff@example.com", "--role", "staff"],
        input="orchid lantern gravel\norchid lantern gravel\n",
    )

    assert ok.exit_code == 0 and "boss@example.com is now admin" in ok.output
    assert weak.exit_code != 0 and "at least 10" in weak.output
    assert prompted.exit_code == 0 and "staff@example.com is now staff" in prompted.output


def test_seed_creates_the_demo_admin_once(app: Flask) -> None:
    runner = app.test_cli_runner()

    first = runner.invoke(args=["shop", "seed"])
    second = runner.invoke(args=["shop", "seed"])

    assert "Created the admin admin@example.com with password" in first.output
    assert "Created the admin" not in second.output
    password = re.search(r"with password (\S+)", first.output).group(1)
    assert db.session.query(User).filter_by(email="admin@example.com").one().check_password(password)


def test_the_reset_email_reads_properly(app: Flask, client: FlaskClient) -> None:
    make_user()

    client.post("/account/reset", data={"email": "ana@example.com"})

    [message] = sent_emails(app)
    url = re.search(r"http://localhost/account/reset/\S+", message.body).group(0)
    assert message.body.startswith("Hello Ana,\n\n")
    assert (
        "Someone (hopefully you) asked to reset the password for your account. "
        "If it wasn't you, ignore this email: nothing changes.\n\nChoose a new password:\n" + url + "\n\n"
        "The link works once, for an hour.\n"
    ) in message.body
    [(page, _)] = message.alternatives
    text = html.unescape(page)
    assert "If it wasn't you, ignore this email: nothing changes.</p>" in text
    assert re.search(rf'<a href="{re.escape(url)}"[^>]*>Choose a new password</a>', text)
    assert ">The link works once, for an hour.</p>" in text


def post_from(client: FlaskClient, path: str, ip: str, **data: str) -> int:
    return client.post(path, data=data, environ_base={"REMOTE_ADDR": ip}).status_code


def test_reset_requests_are_limited_per_address_in_any_letter_case(app: Flask, client: FlaskClient) -> None:
    make_user()
    spellings = ["ana@example.com", "ANA@example.com", " Ana@Example.com", "aNa@example.COM"]

    statuses = [
        post_from(client, "/account/reset", f"203.0.113.{n}", email=email)
        for n, email in enumerate(spellings)
    ]

    assert statuses == [200, 200, 200, 429]
    assert len(sent_emails(app)) == 3


def test_reset_requests_are_limited_per_ip(app: Flask, client: FlaskClient) -> None:
    statuses = [
        post_from(client, "/account/reset", "203.0.113.9", email=f"p{n}@example.com") for n in range(11)
    ]

    assert statuses == [200] * 10 + [429]
    assert post_from(client, "/account/reset", "203.0.113.10", email="p0@example.com") == 200


def test_registrations_are_limited_per_ip(app: Flask, client: FlaskClient) -> None:
    statuses = [
        post_from(client, "/account/register", "203.0.113.9", email=f"r{n}@example.com", password=PASSWORD)
        for n in range(11)
    ]

    assert statuses == [200] * 10 + [429]
    assert db.session.query(User).count() == 10


def test_registrations_are_limited_per_address_in_any_letter_case(app: Flask, client: FlaskClient) -> None:
    make_user()
    spellings = [
        "ana@example.com",
        "ANA@example.com",
        "Ana@example.com",
        "anA@example.com",
        "aNa@example.com",
    ]

    statuses = [
        post_from(client, "/account/register", f"203.0.113.{n}", email=email, password=PASSWORD)
        for n, email in enumerate([*spellings, "ANA@EXAMPLE.COM"])
    ]

    assert statuses == [200] * 5 + [429]
    assert len([m for m in sent_emails(app) if m.subject == "You already have an account"]) == 5
