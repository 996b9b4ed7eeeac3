"""Checkout charges the destination's shipping and tax (docs/rules.md#shipping-zones,
docs/rules.md#tax): the address's country and US state, or a digital-only order's billing country."""

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop.checkout.destination import checkout_destination
from shop.checkout.errors import DestinationError, NotShippedThereError
from shop.extensions import db
from shop.orders.addresses import ShippingAddress
from shop.orders.models import Order
from tests.checkout_helpers import add, dev_pay, outbox, place
from tests.factories import stock_of
from tests.order_factory import SHIPPING_ADDRESS, only_order
from tests.pricing_knobs import KNOBS

CANADA = {"region": "BC", "city": "Vancouver", "postal_code": "V6B 1A1", "country": "CA"}


def order_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Order.id))) or 0


def test_a_canadian_address_pays_canadas_shipping_and_tax(client: FlaskClient, shop: dict) -> None:
    # given a hoodie and a guide
    add(client, "HOODIE-M", 1)
    add(client, "GUIDE-WB")

    # when the shopper checks out to Vancouver
    response = place(client, **CANADA)

    # then Canada's $14.95 and 5% on each line, rounded per line
    assert response.status_code == 303
    order = only_order()
    assert order.ship_country == "CA"
    assert order.shipping_cents == 1_495
    assert [(line.sku, line.tax_cents, line.tax_rate_bp) for line in order.lines] == [
        ("HOODIE-M", 340, 500),
        ("GUIDE-WB", 95, 500),
    ]
    assert order.tax_cents == 435
    assert order.total_cents == 6_800 + 1_900 + 1_495 + 435


def test_a_lower_case_country_and_a_state_name_are_normalised(client: FlaskClient, shop: dict) -> None:
    add(client, "HOODIE-M", 1)

    place(client, country="us", region="new york")

    order = only_order()
    assert (order.ship_country, order.ship_region) == ("US", "NY")
    # New York's 4% on the hoodie; the guide is not here, shipping is never taxed
    assert order.tax_cents == 272 and order.shipping_cents == 795


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ("", "Enter the state for a US address, such as NY or New York"),
        ("Narnia", "&#39;Narnia&#39; is not a US state"),
        ("ZZ", "&#39;ZZ&#39; is not a US state"),
    ],
)
def test_a_us_address_without_a_state_is_refused(
    client: FlaskClient, shop: dict, region: str, message: str
) -> None:
    add(client, "HOODIE-M", 1)

    response = place(client, region=region)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert order_count() == 0 and stock_of("HOODIE-M") == 10


def test_a_country_the_shop_does_not_ship_to_is_refused(client: FlaskClient, shop: dict) -> None:
    add(client, "HOODIE-M", 1)

    response = place(client, country="JP", region="")

    assert response.status_code == 400
    assert "Choose a country we ship to." in response.get_data(as_text=True)
    assert order_count() == 0


@pytest.mark.parametrize("country", ["JP", "jp"])
def test_the_service_refuses_a_country_not_shipped_to_by_name(app: Flask, country: str) -> None:
    address = ShippingAddress(**{**SHIPPING_ADDRESS.__dict__, "country": country})

    with pytest.raises(NotShippedThereError, match="Sorry, we don't ship to Japan. We ship to United"):
        checkout_destination(KNOBS, address=address, billing_country=None)


@pytest.mark.parametrize("country", ["", "XX", "123"])
def test_the_service_refuses_a_blank_or_unknown_country(app: Flask, country: str) -> None:
    address = ShippingAddress(**{**SHIPPING_ADDRESS.__dict__, "country": country})

    with pytest.raises(DestinationError, match="Choose a country we ship to."):
        checkout_destination(KNOBS, address=address, billing_country=None)


def test_a_digital_order_is_taxed_where_its_buyer_is(client: FlaskClient, shop: dict) -> None:
    add(client, "GUIDE-WB")

    page = client.get("/checkout").get_data(as_text=True)
    response = place(client, with_address=False, billing_country="de")

    assert "Country you&#39;re buying from" in page and "Address line 1" not in page
    assert response.status_code == 303
    order = only_order()
    assert order.billing_country == "DE" and order.ship_country is None
    assert order.shipping_cents == 0
    assert order.tax_cents == 361  # 19% of $19.00, rounded half up
    assert order.total_cents == 1_900 + 361


def test_a_digital_order_without_a_billing_country_is_refused(client: FlaskClient, shop: dict) -> None:
    add(client, "GUIDE-WB")

    response = place(client, with_address=False, billing_country="")

    assert response.status_code == 400
    assert "Choose the country you are buying from" in response.get_data(as_text=True)
    assert order_count() == 0


def test_tax_is_a_line_with_its_rate_on_the_order_page_and_the_email(
    app: Flask, client: FlaskClient, shop: dict
) -> None:
    # given a Canadian order paid through the development provider
    add(client, "HOODIE-M", 1)
    paid = dev_pay(client, place(client, **CANADA).headers["Location"])

    # when the shopper opens the order and reads the confirmation
    page = client.get(paid.headers["Location"]).get_data(as_text=True)
    emails = [email for email in outbox(app) if "confirmed" in email.body]

    # then the tax shows with its rate and the amount paid matched the total with tax
    assert only_order().status == "paid"
    assert "<dt>Tax (5%)</dt>" in page and "$3.40" in page
    assert "Tax (5%): $3.40" in emails[0].body
    assert "Total: $86.35" in emails[0].body
