"""A total no card payment can take: Stripe charges at least $0.50, so a total of 1-49 cents is refused at
checkout (with either provider) before anything is placed or reserved; $0.00 needs no payment and goes
ahead (docs/rules.md#payments rule 12)."""

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop import pricing
from shop.discounts.models import DiscountCode
from shop.extensions import db
from shop.orders.models import Order
from tests.checkout_helpers import add, checkout_form, place, stripe_app_with
from tests.factories import make_code
from tests.order_factory import make_shop, only_order
from tests.payments.fake_stripe import FakeStripeHTTP

MESSAGE = "Card payments start at $0.50: add something to your order or remove the code."


def order_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Order.id))) or 0


def uses_of(code: str) -> int:
    db.session.expire_all()
    return db.session.scalars(sa.select(DiscountCode.uses_count).where(DiscountCode.code == code)).one()


def apply(client: FlaskClient, code: str) -> None:
    response = client.post("/cart/discount.json", json={"code": code})
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(
    ("total_cents", "unpayable"), [(0, False), (1, True), (49, True), (50, False), (15_000, False)]
)
def test_only_totals_from_one_to_49_cents_are_below_the_card_minimum(
    total_cents: int, unpayable: bool
) -> None:
    assert pricing.below_card_minimum(total_cents) is unpayable


@pytest.mark.parametrize("off_cents", [1_851, 1_899])
def test_a_code_that_leaves_a_few_cents_is_refused_and_nothing_is_placed(
    client: FlaskClient, shop: dict, off_cents: int
) -> None:
    # given the $19 guide with a code that leaves 49 cents (or 1 cent), bought from New York (no tax)
    make_code("ALMOST", amount_cents=off_cents, scope="guides")
    add(client, "GUIDE-WB")
    apply(client, "ALMOST")

    # when the shopper places the order
    response = place(client, with_address=False, billing_country="US", billing_state="NY")

    # then it is refused with a clear message, and no order was placed nor the code's use taken (only
    # guides can come to so little: merchandise always pays shipping, or is over $150)
    assert response.status_code == 422
    assert MESSAGE in response.get_data(as_text=True)
    assert order_count() == 0 and uses_of("ALMOST") == 0
    # and once the shopper adds something, the order goes ahead
    add(client, "MUG")
    assert place(client, billing_state="NY").status_code == 303


def test_the_cart_and_checkout_pages_say_so_before_the_order_is_placed(
    client: FlaskClient, shop: dict
) -> None:
    make_code("ALMOST", amount_cents=1_875, scope="guides")
    add(client, "GUIDE-WB")
    apply(client, "ALMOST")

    cart = client.get("/cart").get_data(as_text=True)
    checkout = client.get("/checkout").get_data(as_text=True)

    assert f'<p class="discount-problem" role="status" data-payment-problem>{MESSAGE}</p>' in cart
    assert "data-payment-problem" in checkout and MESSAGE in checkout


@pytest.mark.parametrize(("off_cents", "total_cents"), [(1_900, 0), (1_850, 50)])
def test_nothing_to_pay_or_the_minimum_goes_ahead(
    client: FlaskClient, shop: dict, off_cents: int, total_cents: int
) -> None:
    make_code("FREEISH", amount_cents=off_cents, scope="guides")
    add(client, "GUIDE-WB")
    apply(client, "FREEISH")

    response = place(client, with_address=False, billing_country="US", billing_state="NY")

    assert response.status_code == 303
    assert "data-payment-problem" not in client.get("/cart").get_data(as_text=True)
    assert only_order().total_cents == total_cents


def test_with_stripe_the_payment_page_is_never_asked_for(make_app) -> None:
    # given Stripe, which would refuse to open a payment page for 25 cents
    http = FakeStripeHTTP()
    app: Flask = stripe_app_with(make_app, http)
    client = app.test_client()
    with app.app_context():
        make_shop()
        make_code("ALMOST", amount_cents=1_875, scope="guides")
    add(client, "GUIDE-WB")
    apply(client, "ALMOST")

    response = client.post("/checkout", data=checkout_form(client, with_address=False))

    assert response.status_code == 422
    assert not [r for r in http.requests if r["path"] == "/v1/checkout/sessions"]
    with app.app_context():
        assert order_count() == 0
