"""Guest orders and guide leads attach to an account once its email is confirmed, never before."""

import pytest
import sqlalchemy as sa
from flask import Flask

from shop.accounts import services, tokens
from shop.accounts.linking import attach_to_account, confirmed_account_id
from shop.extensions import db
from shop.guides.models import Lead
from shop.orders.models import Order, OrderEvent
from tests.accounts.customers import make_customer
from tests.accounts.helpers import PASSWORD, make_user
from tests.fixtures import OrderFactory
from tests.guides.helpers import capture, make_free_guide
from tests.races import run_together


@pytest.fixture
def shop(shop: dict) -> dict:
    """The shared small shop, and the free guide whose leads become customers."""
    make_free_guide()
    return shop


def owner_of(order: Order) -> int | None:
    db.session.expire_all()
    return db.session.get(Order, order.id).user_id


def lead_owner(email: str) -> int | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Lead.user_id).where(Lead.email == email))


def confirm_token(user) -> str:
    return tokens.make_token(tokens.CONFIRM_EMAIL, {"uid": user.id, "email": user.email})


def test_confirming_the_email_attaches_past_guest_orders_and_the_lead(
    paid_order: OrderFactory, pending_order: OrderFactory, shop: dict
) -> None:
    # given two guest orders and a guide lead for ana, and one guest order for someone else
    first = paid_order(("TEE-M", 1))
    second = pending_order(("GUIDE-WB", 1))
    other = paid_order(("MUG", 1), email="bo@example.com")
    capture("ana@example.com")
    user = services.register(email=" ANA@example.com ", password=PASSWORD)

    # when ana confirms her address
    services.confirm_email(confirm_token(user))

    # then her guest orders and her lead are hers; bo's order is nobody's
    assert owner_of(first) == owner_of(second) == user.id
    assert owner_of(other) is None
    assert lead_owner("ana@example.com") == user.id
    notes = db.session.scalars(sa.select(OrderEvent.note).where(OrderEvent.kind == "account")).all()
    assert len(notes) == 2 and all(f"account #{user.id}" in note for note in notes)


def test_nothing_attaches_to_an_unconfirmed_account(paid_order: OrderFactory, shop: dict) -> None:
    order = paid_order(("TEE-M", 1))
    capture("ana@example.com")

    services.register(email="ana@example.com", password=PASSWORD)
    services.record_login(services.get_user_by_email("ana@example.com").id)

    assert owner_of(order) is None
    assert lead_owner("ana@example.com") is None


def test_confirming_twice_attaches_once(paid_order: OrderFactory, shop: dict) -> None:
    order = paid_order(("TEE-M", 1))
    user = services.register(email="ana@example.com", password=PASSWORD)

    services.confirm_email(confirm_token(user))
    services.confirm_email(confirm_token(user))

    assert owner_of(order) == user.id
    events = db.session.scalars(sa.select(OrderEvent).where(OrderEvent.kind == "account")).all()
    assert len(events) == 1


def test_an_order_of_another_account_never_moves(paid_order: OrderFactory, shop: dict) -> None:
    # given bo, logged in, sent his order's receipt to ana's address
    bo = make_customer("bo@example.com")
    order = paid_order(("TEE-M", 1), email="ana@example.com", user=bo)
    ana = services.register(email="ana@example.com", password=PASSWORD)

    # when ana confirms
    services.confirm_email(confirm_token(ana))

    # then the order is still bo's
    assert owner_of(order) == bo.id


def test_a_password_reset_proves_the_address_and_attaches(paid_order: OrderFactory, shop: dict) -> None:
    order = paid_order(("TEE-M", 1))
    user = make_user()  # never confirmed
    token = services.make_reset_token(user)

    services.reset_password(token, "a brand new passphrase")

    assert owner_of(order) == user.id
    assert services.get_user(user.id).email_confirmed


def test_a_confirmed_change_of_address_attaches_the_new_address_orders(
    paid_order: OrderFactory, shop: dict
) -> None:
    # given ana's account with an order, and guest orders placed with her new address
    ana = make_customer("ana@example.com")
    old = paid_order(("TEE-M", 1), email="ana@example.com", user=ana)
    new = paid_order(("MUG", 1), email="ana@new.example")
    capture("ana@new.example")
    token = tokens.make_token(
        tokens.CHANGE_EMAIL, {"uid": ana.id, "old": "ana@example.com", "new": "ana@new.example"}
    )

    # when she confirms the change
    services.confirm_email_change(token)

    # then both orders and the new address's lead are hers
    assert owner_of(old) == owner_of(new) == ana.id
    assert lead_owner("ana@new.example") == ana.id


def test_a_guest_paying_with_a_confirmed_accounts_address_joins_that_account(
    paid_order: OrderFactory, shop: dict
) -> None:
    ana = make_customer("ana@example.com")

    order = paid_order(("TEE-M", 1), email="ANA@example.com")

    assert owner_of(order) == ana.id


def test_a_guest_paying_with_an_unconfirmed_accounts_address_stays_a_guest_order(
    paid_order: OrderFactory, shop: dict
) -> None:
    make_customer("ana@example.com", confirmed=False)

    order = paid_order(("TEE-M", 1))

    assert owner_of(order) is None


def test_an_unpaid_guest_order_is_not_attached_before_payment(
    pending_order: OrderFactory, shop: dict
) -> None:
    # A stranger can type anyone's address at checkout: only a paid order joins the account's history.
    make_customer("ana@example.com")

    order = pending_order(("TEE-M", 1))

    assert owner_of(order) is None


def test_a_lead_signing_up_with_a_confirmed_accounts_address_is_linked(shop: dict) -> None:
    ana = make_customer("ana@example.com")
    make_customer("bo@example.com", confirmed=False)

    capture("ana@example.com")
    capture("bo@example.com")

    assert lead_owner("ana@example.com") == ana.id
    assert lead_owner("bo@example.com") is None


def test_confirmed_account_id_needs_a_confirmed_address(app: Flask) -> None:
    ana = make_customer("ana@example.com")
    make_customer("bo@example.com", confirmed=False)

    assert confirmed_account_id(" Ana@Example.com") == ana.id
    assert confirmed_account_id("bo@example.com") is None
    assert confirmed_account_id("nobody@example.com") is None


def test_attach_leaves_a_lead_linked_to_another_account(shop: dict) -> None:
    bo = make_customer("bo@example.com")
    capture("shared@example.com")
    db.session.execute(sa.update(Lead).values(user_id=bo.id))
    db.session.commit()
    ana = make_customer("ana@example.com")

    result = attach_to_account(ana.id, "shared@example.com")
    db.session.commit()

    assert result.lead is False
    assert lead_owner("shared@example.com") == bo.id


def test_simultaneous_confirmations_attach_each_order_once(
    paid_order: OrderFactory, postgres: Flask, shop: dict
) -> None:
    # given two guest orders and a registered, unconfirmed account (a double-clicked confirm button,
    # or the link opened on two devices)
    order_ids = [paid_order(("TEE-M", 1)).id, paid_order(("MUG", 1)).id]
    user = services.register(email="ana@example.com", password=PASSWORD)
    user_id, token = user.id, confirm_token(user)
    db.session.remove()

    # when eight confirmations of the same link run at once
    results = run_together(postgres, 8, lambda _: services.confirm_email(token).id)

    # then all succeed, and each order was attached once, with one timeline entry
    assert results == [user_id] * 8
    owners = db.session.scalars(sa.select(Order.user_id).where(Order.id.in_(order_ids))).all()
    assert owners == [user_id, user_id]
    events = db.session.scalars(sa.select(OrderEvent.order_id).where(OrderEvent.kind == "account")).all()
    assert sorted(events) == sorted(order_ids)
