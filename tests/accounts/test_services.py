"""Account rules at the service level."""

import json
import time

import pytest
import sqlalchemy as sa
from flask import Flask

from shop.accounts import services, tokens
from shop.accounts.errors import EmailTakenError, InvalidTokenError, WeakPasswordError, WrongPasswordError
from shop.accounts.models import Role, User
from shop.accounts.passwords import check_password_strength
from shop.cart import services as cart_services
from shop.emails.models import OutgoingEmail
from shop.extensions import db
from tests.accounts.helpers import PASSWORD, make_user
from tests.factories import make_product
from tests.pricing_knobs import CART_KNOBS


def queued_templates() -> list[str]:
    return list(db.session.scalars(sa.select(OutgoingEmail.template).order_by(OutgoingEmail.id)))


def test_register_normalises_the_email_and_hashes_the_password(app: Flask) -> None:
    user = services.register(email="  Ana@Example.COM ", password=PASSWORD, full_name=" Ana ")

    assert user.email == "ana@example.com"
    assert user.full_name == "Ana"
    assert user.role == Role.CUSTOMER
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("pbkdf2:")  # the test config's cheap method
    assert user.check_password(PASSWORD)
    assert user.email_confirmed_at is None


def test_one_account_per_email_and_the_owner_hears_of_another_attempt(app: Flask) -> None:
    first = services.register(email="ana@example.com", password=PASSWORD)

    again = services.register(email="ANA@example.com", password="another passphrase here")

    assert first is not None and again is None
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
    assert services.authenticate("ana@example.com", PASSWORD) is not None
    assert queued_templates() == ["account_confirm", "account_exists"]


def test_registering_a_taken_address_still_checks_the_password(app: Flask) -> None:
    make_user()

    with pytest.raises(WeakPasswordError):
        services.register(email="ana@example.com", password="password123")

    assert queued_templates() == []


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "at least 10"),
        ("password123", "too common"),
        ("qwertyuiop", "too common"),
        ("aaaaaaaaaaaa", "too common"),
        ("ababababababab", "too common"),
        ("ana.lopez-2024!", "email address"),
        ("x" * 257, "at most 256"),
    ],
)
def test_weak_passwords_are_refused(password: str, message: str) -> None:
    with pytest.raises(WeakPasswordError, match=message):
        check_password_strength(password, email="ana.lopez@example.com")


def test_a_long_unusual_passphrase_is_fine() -> None:
    check_password_strength("tea kettle mountain river", email="ana@example.com")


def test_authenticate_treats_unknown_email_and_wrong_password_alike(app: Flask) -> None:
    make_user()

    assert services.authenticate("ana@example.com", PASSWORD) is not None
    assert services.authenticate("ANA@example.com ", PASSWORD) is not None
    assert services.authenticate("ana@example.com", "wrong password!") is None
    assert services.authenticate("nobody@example.com", PASSWORD) is None


def test_the_session_id_carries_a_token_that_a_password_change_rotates(app: Flask) -> None:
    user = make_user()
    session_id = user.get_id()
    assert services.load_user_for_session(session_id) == user

    services.change_password(user.id, current_password=PASSWORD, new_password="a brand new passphrase")

    assert services.load_user_for_session(session_id) is None
    assert services.load_user_for_session(f"{user.id}") is None
    assert services.load_user_for_session("x:y") is None


def test_change_password_needs_the_current_one(app: Flask) -> None:
    user = make_user()

    with pytest.raises(WrongPasswordError):
        services.change_password(
            user.id, current_password="not it at all", new_password="a brand new passphrase"
        )

    assert user.check_password(PASSWORD)


def test_reset_tokens_work_once(app: Flask) -> None:
    user = make_user()
    token = services.make_reset_token(user)

    services.reset_password(token, "a brand new passphrase")

    with pytest.raises(InvalidTokenError, match="already been used"):
        services.reset_password(token, "another new passphrase")
    assert services.authenticate("ana@example.com", "a brand new passphrase") is not None


def test_reset_tokens_expire(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    user = make_user()
    token = services.make_reset_token(user)
    later = time.time() + 2 * 3600
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)

    with pytest.raises(InvalidTokenError, match="expired"):
        services.user_for_reset_token(token)


def test_a_reset_token_shows_nothing_of_the_password_hash(app: Flask) -> None:
    user = make_user()

    token = services.make_reset_token(user)

    payload = tokens.read_token(tokens.RESET_PASSWORD, token)
    assert set(payload) == {"uid", "fp"}
    decoded = json.dumps(payload)
    hash_pieces = {user.password_hash[i : i + 8] for i in range(len(user.password_hash) - 7)}
    assert not any(piece in decoded for piece in hash_pieces)


@pytest.mark.parametrize(
    "change",
    [
        lambda user: services.change_password(
            user.id, current_password=PASSWORD, new_password="a brand new passphrase"
        ),
        lambda user: services.confirm_email_change(
            tokens.make_token(
                tokens.CHANGE_EMAIL, {"uid": user.id, "old": user.email, "new": "ana@new.example"}
            )
        ),
    ],
    ids=["password-changed", "address-changed"],
)
def test_a_reset_token_stops_working_once_the_password_or_address_changes(app: Flask, change) -> None:
    user = make_user()
    token = services.make_reset_token(user)

    change(user)

    with pytest.raises(InvalidTokenError, match="already been used"):
        services.user_for_reset_token(token)


def test_a_reset_token_for_another_account_or_a_forged_fingerprint_is_refused(app: Flask) -> None:
    ana, bob = make_user(), make_user(email="bob@example.com")
    anas = tokens.read_token(tokens.RESET_PASSWORD, services.make_reset_token(ana))

    for payload in [{"uid": bob.id, "fp": anas["fp"]}, {"uid": ana.id, "fp": "0" * 32}, {"uid": ana.id}]:
        with pytest.raises(InvalidTokenError):
            services.user_for_reset_token(tokens.make_token(tokens.RESET_PASSWORD, payload))


def test_tokens_are_bound_to_their_purpose(app: Flask) -> None:
    user = make_user()
    confirm = tokens.make_token(tokens.CONFIRM_EMAIL, {"uid": user.id, "email": user.email})

    with pytest.raises(InvalidTokenError):
        services.user_for_reset_token(confirm)


def test_email_change_needs_a_free_address(app: Flask) -> None:
    user = make_user()
    make_user(email="taken@example.com")

    with pytest.raises(EmailTakenError):
        services.request_email_change(user.id, password=PASSWORD, new_email="Taken@example.com")
    with pytest.raises(WrongPasswordError):
        services.request_email_change(user.id, password="nope nope nope", new_email="new@example.com")


def test_create_staff_promotes_or_creates(app: Flask) -> None:
    customer = make_user()

    promoted = services.create_staff("ana@example.com", "staff passphrase one", role=Role.STAFF)
    created = services.create_staff("boss@example.com", "admin passphrase two", role=Role.ADMIN)

    assert promoted.id == customer.id and promoted.role == Role.STAFF and promoted.is_staff
    assert created.is_admin and created.email_confirmed


def test_login_merges_the_browser_cart_into_the_customer_cart(app: Flask) -> None:
    # given a customer cart with 2 mugs and a browser cart with 2 more mugs and a tote (3 mugs in stock)
    user = make_user()
    make_product(sku="MUG", stock=3)
    make_product(sku="TOTE", stock=5)
    customer_token = cart_services.merge_cart_into_user(None, user.id, max_line_quantity=10)
    cart_services.add_to_cart(customer_token, "MUG", 2, max_line_quantity=10)
    cart_services.add_to_cart("browser", "MUG", 2, max_line_quantity=10)
    cart_services.add_to_cart("browser", "TOTE", 1, max_line_quantity=10)

    # when they log in from that browser
    token = cart_services.merge_cart_into_user("browser", user.id, max_line_quantity=10)

    # then quantities add up, capped by stock, in one cart
    assert token == customer_token
    summary = cart_services.get_cart_summary(token, **CART_KNOBS)
    assert {line.sku: line.quantity for line in summary.lines} == {"MUG": 3, "TOTE": 1}
    assert cart_services.count_items("browser") == 0


def test_a_first_login_adopts_the_browser_cart(app: Flask) -> None:
    user = make_user()
    make_product(sku="MUG")
    cart_services.add_to_cart("browser", "MUG", 1, max_line_quantity=10)

    token = cart_services.merge_cart_into_user("browser", user.id, max_line_quantity=10)

    assert token == "browser"
    assert cart_services.get_cart_token_for_user(user.id) == "browser"


def test_another_customers_cart_is_never_merged(app: Flask) -> None:
    ana, bob = make_user(), make_user(email="bob@example.com")
    make_product(sku="MUG")
    bobs_token = cart_services.merge_cart_into_user(None, bob.id, max_line_quantity=10)
    cart_services.add_to_cart(bobs_token, "MUG", 1, max_line_quantity=10)

    anas_token = cart_services.merge_cart_into_user(bobs_token, ana.id, max_line_quantity=10)

    assert anas_token != bobs_token
    assert cart_services.count_items(anas_token) == 0
    assert cart_services.count_items(bobs_token) == 1


def test_production_hashes_with_werkzeugs_default(make_app) -> None:
    app = make_app(PASSWORD_HASH_METHOD=None)
    with app.app_context():
        user = make_user()

        assert user.password_hash.startswith("scrypt:")
        assert services.authenticate("ana@example.com", PASSWORD) is not None
