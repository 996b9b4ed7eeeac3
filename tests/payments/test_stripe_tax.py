"""Stripe Tax (docs/rules.md#tax): the Checkout Session asks Stripe to compute tax on tax-exclusive prices
with a product tax code per product type, and the order takes the tax Stripe computed before the
webhook's amount check. Against the real stripe library with a fake HTTP client."""

import json

from flask import Flask

from shop.catalog.models import ProductTaxType
from shop.extensions import db
from shop.payments.tax_codes import PRODUCT_TAX_CODES, SHIPPING_TAX_CODE
from tests.checkout_helpers import (
    add,
    checkout_form,
    event,
    post_webhook,
    session_object,
    stripe_app_with,
)
from tests.factories import make_code
from tests.order_factory import make_shop, only_order
from tests.payments.fake_stripe import FakeStripeHTTP


def stripe_shop(make_app) -> tuple[Flask, FakeStripeHTTP]:
    http = FakeStripeHTTP()
    app = stripe_app_with(make_app, http)
    with app.app_context():
        products = make_shop()
        products["hoodie"].tax_type = ProductTaxType.APPAREL
        db.session.commit()
    return app, http


def session_params(http: FakeStripeHTTP) -> dict[str, str]:
    return next(r for r in http.requests if r["path"] == "/v1/checkout/sessions")["params"]


def test_the_session_asks_stripe_for_tax_with_a_code_per_product_type(make_app) -> None:
    # given a hoodie (apparel), a mug (housewares by default) and a guide
    app, http = stripe_shop(make_app)
    client = app.test_client()
    for sku in ("HOODIE-M", "MUG", "GUIDE-WB"):
        add(client, sku)

    # when the shopper checks out
    response = client.post("/checkout", data=checkout_form(client))

    # then Stripe computes the tax on prices before tax, each line with its product tax code
    assert response.status_code == 303
    params = session_params(http)
    assert params["automatic_tax[enabled]"] == "true"
    codes = {
        params[f"line_items[{i}][price_data][product_data][metadata][sku]"]: params[
            f"line_items[{i}][price_data][product_data][tax_code]"
        ]
        for i in range(3)
    }
    # Stripe's codes: clothing and footwear; general tangible goods; downloaded digital books
    assert codes == {"HOODIE-M": "txcd_30011000", "MUG": "txcd_99999999", "GUIDE-WB": "txcd_10302000"}
    assert {params[f"line_items[{i}][price_data][tax_behavior]"] for i in range(3)} == {"exclusive"}
    # shipping is the zone's fixed rate, tax-exclusive, coded as shipping
    shipping = "shipping_options[0][shipping_rate_data]"
    assert params[f"{shipping}[fixed_amount][amount]"] == "795"
    assert params[f"{shipping}[tax_behavior]"] == "exclusive"
    assert params[f"{shipping}[tax_code]"] == SHIPPING_TAX_CODE == "txcd_92010001"
    with app.app_context():
        order = only_order()
        assert order.tax_from_provider and order.tax_cents == 0


def test_a_canadian_order_ships_at_canadas_rate_through_stripe(make_app) -> None:
    app, http = stripe_shop(make_app)
    client = app.test_client()
    add(client, "HOODIE-M")

    client.post("/checkout", data=checkout_form(client, country="CA", region="BC"))

    params = session_params(http)
    assert params["shipping_options[0][shipping_rate_data][fixed_amount][amount]"] == "1495"
    # Canada's rate was charged, so the payment page takes a Canadian address only
    assert params["shipping_address_collection[allowed_countries][0]"] == "CA"
    assert "shipping_address_collection[allowed_countries][1]" not in params


def test_a_digital_order_collects_the_billing_address_for_tax(make_app) -> None:
    app, http = stripe_shop(make_app)
    client = app.test_client()
    add(client, "GUIDE-WB")

    client.post("/checkout", data=checkout_form(client, with_address=False))

    params = session_params(http)
    assert params["billing_address_collection"] == "required"
    assert "shipping_options[0][shipping_rate_data][type]" not in params


def place_stripe_order(make_app) -> tuple[Flask, Flask]:
    app, _ = stripe_shop(make_app)
    client = app.test_client()
    add(client, "HOODIE-M", 3)  # $204.00: ships free
    add(client, "GUIDE-WB")  # $19.00
    client.post("/checkout", data=checkout_form(client))
    return app, client


def completed(order, *, amount_total: int, amount_tax: int) -> dict:
    session = session_object(
        order, amount_total=amount_total, total_details={"amount_tax": amount_tax, "amount_shipping": 0}
    )
    return event("checkout.session.completed", session, event_id="evt_tax_1")


def test_the_order_records_the_tax_stripe_computed_and_its_new_total(make_app) -> None:
    # given a pending Stripe order: $223.00 of goods, free shipping, no tax yet
    app, client = place_stripe_order(make_app)
    with app.app_context():
        order = only_order()
        assert (order.total_cents, order.tax_cents) == (22_300, 0)

        # when Stripe reports the session paid with $12.40 of tax
        response = post_webhook(client, completed(order, amount_total=22_300 + 1_240, amount_tax=1_240))

        # then the order is paid, its tax is Stripe's and the total includes it
        assert response.status_code == 200
        db.session.expire_all()
        order = only_order()
        assert order.status == "paid" and not order.needs_attention
        assert (order.tax_cents, order.total_cents) == (1_240, 23_540)
        # spread over the lines in proportion to their price, adding up exactly
        assert [line.tax_cents for line in order.lines] == [1_134, 106]
        assert any(e.kind == "tax" and "$12.40" in e.note for e in order.events)


def test_a_payment_that_does_not_match_subtotal_shipping_and_stripes_tax_is_flagged(make_app) -> None:
    app, client = place_stripe_order(make_app)
    with app.app_context():
        order = only_order()

        # Stripe says $12.40 of tax, but the amount paid is $1.00 short of goods + tax
        post_webhook(client, completed(order, amount_total=22_300 + 1_140, amount_tax=1_240))

        db.session.expire_all()
        order = only_order()
        assert order.status == "pending_payment" and order.needs_attention
        assert "does not match the order total of $235.40" in order.attention_reason


def test_a_tax_figure_from_stripe_never_changes_an_order_taxed_by_the_table(
    app: Flask, client, shop: dict
) -> None:
    # given an order placed through the development provider (the shop's tax table: Oregon, no tax)
    add(client, "HOODIE-M")
    client.post("/checkout", data=checkout_form(client))
    order = only_order()
    assert not order.tax_from_provider

    # when a session event claims tax on it
    post_webhook(client, completed(order, amount_total=order.total_cents + 500, amount_tax=500))

    # then the table's tax stands and the mismatch is flagged
    db.session.expire_all()
    order = only_order()
    assert order.tax_cents == 0 and order.needs_attention


def test_the_snapshot_reads_stripes_tax(app: Flask) -> None:
    from shop.payments.provider import snapshot_from_session

    snapshot = snapshot_from_session(
        json.loads('{"id": "cs_1", "amount_total": 1000, "total_details": {"amount_tax": 75}}')
    )

    assert snapshot.amount_tax_cents == 75


def test_every_product_tax_type_has_a_stripe_code() -> None:
    assert set(PRODUCT_TAX_CODES) == set(ProductTaxType)
    assert PRODUCT_TAX_CODES[ProductTaxType.PRINTED_BOOK] == "txcd_35010000"


def test_a_discounted_line_split_in_two_items_keeps_its_tax_code_on_both(make_app) -> None:
    # given three hoodies (apparel) with $1.00 off: $203.00 does not divide by 3
    app, http = stripe_shop(make_app)
    with app.app_context():
        make_code("ONEOFF", amount_cents=100)
    client = app.test_client()
    add(client, "HOODIE-M", 3)
    assert client.post("/cart/discount.json", json={"code": "ONEOFF"}).status_code == 200

    # when the shopper checks out
    assert client.post("/checkout", data=checkout_form(client)).status_code == 303

    # then the line goes to Stripe as two items (2 × $67.67 and 1 × $67.66), each coded as apparel
    params = session_params(http)
    items = [
        (
            int(params[f"line_items[{i}][quantity]"]),
            int(params[f"line_items[{i}][price_data][unit_amount]"]),
            params[f"line_items[{i}][price_data][product_data][tax_code]"],
        )
        for i in range(2)
    ]
    assert "line_items[2][quantity]" not in params
    assert sorted(items) == [(1, 6_766, "txcd_30011000"), (2, 6_767, "txcd_30011000")]
    assert sum(quantity * amount for quantity, amount, _ in items) == 3 * 6_800 - 100
