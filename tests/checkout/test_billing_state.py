"""A digital-only order to the US is taxed by the buyer's state: where the tax table taxes a country's states
differently, the checkout asks a digital-only buyer for the state as it asks a US address for one (code or
name, stored as the code), and the tax comes from that state's row (docs/rules.md#tax rules 4-5)."""

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop import pricing
from shop.checkout import services as checkout_services
from shop.checkout.destination import checkout_destination
from shop.checkout.errors import DestinationError
from shop.extensions import db
from shop.orders.models import Order
from shop.pricing_config import parse_tax_table, pricing_knobs
from tests.checkout_helpers import add, checkout_form, place, stripe_app_with
from tests.order_factory import make_shop, only_order
from tests.payments.fake_stripe import FakeStripeHTTP
from tests.pricing_knobs import KNOBS


def order_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Order.id))) or 0


def test_a_texas_buyer_of_a_guide_pays_texas_tax(
    client: FlaskClient, staff_client: FlaskClient, shop: dict
) -> None:
    # given a $19 guide and a tax table where Texas taxes digital goods at 6.25%
    add(client, "GUIDE-WB")

    # when a buyer from Texas checks out, typing the state's name
    response = place(client, with_address=False, billing_country="US", billing_state=" texas ")

    # then the order is taxed at Texas's rate, rounded half up, and keeps the state as its code
    assert response.status_code == 303
    order = only_order()
    assert (order.billing_country, order.billing_state, order.ship_region) == ("US", "TX", None)
    assert [(line.tax_rate_bp, line.tax_cents) for line in order.lines] == [(625, 119)]
    assert order.tax_cents == 119 and order.total_cents == 1_900 + 119
    # and staff see where the tax was reckoned
    admin_page = staff_client.get(f"/admin/orders/{order.number}").get_data(as_text=True)
    assert "<dd data-billing-country>United States, TX (for tax; nothing ships)</dd>" in admin_page


def test_a_new_york_buyer_of_a_guide_pays_no_tax(client: FlaskClient, shop: dict) -> None:
    # New York's row taxes goods that ship, not digital ones
    add(client, "GUIDE-WB")

    response = place(client, with_address=False, billing_country="US", billing_state="ny")

    assert response.status_code == 303
    order = only_order()
    assert (order.billing_country, order.billing_state) == ("US", "NY")
    assert order.tax_cents == 0 and order.total_cents == 1_900


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the state you are buying from, such as TX or Texas: sales tax depends on it."),
        ("Narnia", "&#39;Narnia&#39; is not a US state. Enter its name or two-letter code"),
    ],
    ids=["missing", "not-a-state"],
)
def test_a_us_buyer_without_a_state_is_refused_beside_the_field(
    client: FlaskClient, shop: dict, typed: str, message: str
) -> None:
    add(client, "GUIDE-WB")

    response = place(client, with_address=False, billing_country="US", billing_state=typed)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<p class="field__error" id="billing_state-error">{message}' in page
    assert 'class="flashes"' not in page
    assert order_count() == 0


def test_outside_the_us_the_state_is_not_asked_for_nor_kept(client: FlaskClient, shop: dict) -> None:
    add(client, "GUIDE-WB")

    response = place(client, with_address=False, billing_country="DE", billing_state="")
    other = place(client, with_address=False, billing_country="GB", billing_state="TX")

    assert response.status_code == 303 and other.status_code == 303
    db.session.expire_all()
    orders = db.session.scalars(sa.select(Order).order_by(Order.id)).all()
    assert [(o.billing_country, o.billing_state, o.tax_cents) for o in orders] == [
        ("DE", None, 361),  # 19% of $19.00
        ("GB", None, 380),  # 20%
    ]


def test_the_pages_say_the_billing_state_decides_for_a_cart_that_does_not_ship(
    client: FlaskClient, shop: dict
) -> None:
    # given a cart of one guide, estimated for the US
    add(client, "GUIDE-WB")

    cart = client.get("/cart").get_data(as_text=True)
    checkout = client.get("/checkout").get_data(as_text=True)

    # then neither page speaks of a state the guide ships to, and checkout asks for the state
    assert "Sales tax depends on your billing state" in cart and "state you ship to" not in cart
    assert 'name="billing_state"' in checkout and 'autocomplete="address-level1"' in checkout
    assert "Required if you&#39;re buying from United States" in checkout
    assert "(in United States, with your state)" in checkout

    # and a cart that ships asks for the address's state instead, and says so
    add(client, "TEE-M")
    cart = client.get("/cart").get_data(as_text=True)
    checkout = client.get("/checkout").get_data(as_text=True)
    assert "Sales tax depends on the state you ship to" in cart
    assert 'name="billing_state"' not in checkout


def test_with_stripe_the_payment_page_asks_instead(make_app) -> None:
    # given Stripe Tax, which collects a digital-only buyer's billing address on its page
    app = stripe_app_with(make_app, FakeStripeHTTP())
    client = app.test_client()
    with app.app_context():
        make_shop()
    add(client, "GUIDE-WB")

    # when a US buyer checks out without a state
    page = client.get("/checkout").get_data(as_text=True)
    response = client.post("/checkout", data=checkout_form(client, with_address=False, billing_state=""))

    # then the shop neither asks nor refuses: the order waits for Stripe's tax
    assert 'name="billing_state"' not in page
    assert response.status_code == 303
    with app.app_context():
        order = only_order()
        assert (order.billing_country, order.billing_state, order.tax_from_provider) == ("US", None, True)


def test_the_destination_takes_a_billing_state_only_where_states_differ(app: Flask) -> None:
    texas, _ = checkout_destination(KNOBS, address=None, billing_country="us", billing_state="Texas")
    germany, _ = checkout_destination(KNOBS, address=None, billing_country="DE", billing_state="TX")
    unasked, _ = checkout_destination(
        KNOBS, address=None, billing_country="US", billing_state=None, ask_billing_state=False
    )

    assert (texas.country, texas.state, texas.tax_rate) == ("US", "TX", pricing.TaxRate(625, True))
    assert (germany.state, germany.tax_rate) == (None, pricing.TaxRate(1_900, True))
    assert (unasked.state, unasked.tax_rate) == (None, None)
    with pytest.raises(DestinationError, match="Enter the state you are buying from") as refused:
        checkout_destination(KNOBS, address=None, billing_country="US", billing_state="  ")
    assert refused.value.field == "billing_state"


def test_the_countries_whose_states_are_taxed_differently() -> None:
    with_states = parse_tax_table("US-TX:625:digital,US-NY:400,CA:500")

    assert pricing.countries_taxed_by_state(with_states) == {"US"}
    assert pricing.countries_taxed_by_state(parse_tax_table("CA:500,GB:2000")) == frozenset()


def test_the_page_asks_a_state_only_of_a_cart_that_does_not_ship(app: Flask) -> None:
    table = pricing_knobs().tax_table

    assert checkout_services.billing_state_countries(requires_shipping=False, tax_table=table) == {"US"}
    assert checkout_services.billing_state_countries(requires_shipping=True, tax_table=table) == frozenset()
