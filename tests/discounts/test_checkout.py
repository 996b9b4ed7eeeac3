"""A code through checkout and payment: the order keeps it line by line, its use is taken with the stock
and given back only when the order ends unpaid, the payment page charges the order to the cent
(docs/rules.md#discounts rules 4, 7-10)."""

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.catalog.models import Product
from shop.clock import utcnow
from shop.discounts import services as discount_services
from shop.discounts.models import CartDiscount, DiscountCode, DiscountRedemption
from shop.extensions import db
from shop.orders import pending
from shop.orders.refunds import record_provider_refund
from tests.checkout_helpers import (
    add,
    dev_pay,
    event,
    outbox,
    place,
    post_webhook,
    session_object,
    stripe_app_with,
)
from tests.factories import make_code
from tests.order_factory import make_shop, only_order, pay, reload
from tests.payments.fake_stripe import FakeStripeHTTP


def apply(client: FlaskClient, code: str) -> dict:
    response = client.post("/cart/discount.json", json={"code": code})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def uses_of(code: str) -> int:
    db.session.expire_all()
    return db.session.query(DiscountCode).filter_by(code=code).one().uses_count


@pytest.fixture
def spores10(shop: dict[str, Product]) -> DiscountCode:
    return make_code("SPORES10", scope="merchandise")


def test_a_discounted_order_is_paid_and_shows_its_discount_everywhere(
    client: FlaskClient, app: Flask, spores10: DiscountCode
) -> None:
    # given $154 of merchandise and a guide, with SPORES10 applied
    add(client, "HOODIE-M", 2)
    add(client, "MUG", 1)
    add(client, "GUIDE-WB", 1)
    apply(client, "SPORES10")

    # when the shopper places the order and pays on the dev page
    placed = place(client)
    paid = dev_pay(client, placed.headers["Location"])
    confirmation = client.get(paid.headers["Location"]).get_data(as_text=True)

    # then the order keeps the code and each line's share; shipping is charged after the discount
    order = only_order()
    assert order.status == "paid" and not order.needs_attention
    assert (order.discount_code, order.discount_cents) == ("SPORES10", 1_540)
    assert [line.discount_cents for line in order.lines] == [1_360, 180, 0]
    assert order.shipping_cents == 795
    assert order.total_cents == 17_300 - 1_540 + 795
    assert uses_of("SPORES10") == 1
    assert db.session.query(DiscountRedemption).one().order_id == order.id
    # and the confirmation page and both parts of the email show it as its own row
    assert "Discount (SPORES10)" in confirmation and "−$15.40" in confirmation
    [email] = outbox(app)
    assert "Discount (SPORES10): −$15.40" in email.body
    assert "Discount (SPORES10)" in email.alternatives[0][0] and "−$15.40" in email.alternatives[0][0]


def test_the_checkout_summary_shows_the_discount_row(client: FlaskClient, spores10: DiscountCode) -> None:
    add(client, "TEE-M", 1)
    apply(client, "SPORES10")

    page = client.get("/checkout").get_data(as_text=True)

    assert "Discount (SPORES10)" in page and "−$3.20" in page


def test_a_code_that_expired_meanwhile_is_taken_off_and_no_order_is_placed(
    client: FlaskClient, spores10: DiscountCode
) -> None:
    # given the checkout page was opened with the code applied
    add(client, "TEE-M", 1)
    apply(client, "SPORES10")
    page_form = client.get("/checkout")
    assert page_form.status_code == 200

    # when the code ends before the shopper places the order
    spores10.ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    refused = place(client)

    # then they are told why, no order exists, and the cart goes on without the code
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "SPORES10 expired on" in text and "took the code off your cart" in text
    assert db.session.query(CartDiscount).count() == 0
    again = place(client)
    assert again.status_code == 303
    assert only_order().discount_cents == 0


def test_the_use_goes_back_when_an_unpaid_order_expires_or_is_declined(
    client: FlaskClient, spores10: DiscountCode
) -> None:
    add(client, "TEE-M", 1)
    apply(client, "SPORES10")
    placed = place(client)
    assert uses_of("SPORES10") == 1

    dev_pay(client, placed.headers["Location"], "decline")
    order = only_order()
    pending.mark_expired(order.id)  # a second ending gives nothing back twice

    assert uses_of("SPORES10") == 0
    assert db.session.query(DiscountRedemption).one().released_at is not None
    assert "Discount code SPORES10's use given back." in [event.note for event in reload(order).events]


def test_an_unpaid_order_gives_its_use_back_only_once(app: Flask, spores10: DiscountCode) -> None:
    # given two orders placed with the code, the first of them declined (its use given back)
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        add(client, "TEE-M", 1)
        apply(client, "SPORES10")
    declined = place(first, email="ana@example.com")
    place(second, email="bo@example.com")
    dev_pay(first, declined.headers["Location"], "decline")
    assert uses_of("SPORES10") == 1
    order_id = db.session.query(DiscountRedemption).filter_by(email="ana@example.com").one().order_id

    # when the same order's ending is seen again (the sweep and a late event, say)
    gave_back = discount_services.release_for_order(order_id)
    db.session.commit()

    # then the second order's use is still counted
    assert gave_back is False
    assert uses_of("SPORES10") == 1


def test_the_use_goes_back_when_an_unpaid_order_is_cancelled(
    client: FlaskClient, spores10: DiscountCode
) -> None:
    add(client, "TEE-M", 1)
    apply(client, "SPORES10")
    place(client)

    pending.mark_cancelled(only_order().id)

    assert uses_of("SPORES10") == 0


def test_a_refund_of_a_paid_order_keeps_the_use(client: FlaskClient, spores10: DiscountCode) -> None:
    add(client, "TEE-M", 1)
    apply(client, "SPORES10")
    dev_pay(client, place(client).headers["Location"])
    order = only_order()

    record_provider_refund(order.payment_intent_id, order.total_cents)

    assert reload(order).status == "refunded"
    assert reload(order).refunded_cents == 3_200 - 320 + 795  # what was paid, not the list price
    assert uses_of("SPORES10") == 1


def test_once_per_customer_is_checked_when_the_order_is_placed(app: Flask, shop: dict[str, Product]) -> None:
    # given two carts with a once-per-customer code applied before either order was placed
    make_code("ONCE-EACH", once_per_customer=True)
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        add(client, "TEE-M", 1)
        apply(client, "ONCE-EACH")

    # when both place an order for the same address, written differently
    assert place(first, email="ana@example.com").status_code == 303
    refused = place(second, email="  ANA@Example.com ")

    # then the second is told, and only one order exists
    assert refused.status_code == 409
    assert "already been used with ana@example.com" in refused.get_data(as_text=True)
    assert uses_of("ONCE-EACH") == 1


def test_a_personal_first_order_code_at_checkout(app: Flask, shop: dict[str, Product], paid_order) -> None:
    make_code(
        "WELCOME-ANA2",
        bound_email="ana@example.com",
        usage_limit=1,
        once_per_customer=True,
        first_order_only=True,
    )
    guest = app.test_client()
    add(guest, "TEE-M", 1)
    apply(guest, "WELCOME-ANA2")  # a guest's cart has no email yet: checked at checkout

    other_email = place(guest, email="bo@example.com")
    assert other_email.status_code == 409
    assert "personal code for another email" in other_email.get_data(as_text=True)

    paid_order(("TEE-M", 1), email="ana@example.com")
    apply(guest, "WELCOME-ANA2")
    repeat = place(guest, email="ana@example.com")
    assert repeat.status_code == 409
    assert "is for a first order" in repeat.get_data(as_text=True)
    assert uses_of("WELCOME-ANA2") == 0


def test_stripe_is_charged_each_lines_net_and_the_webhook_pays_the_order(make_app) -> None:
    # given a code whose discount leaves a line that does not divide by its quantity
    http = FakeStripeHTTP()
    app = stripe_app_with(make_app, http)
    with app.app_context():
        make_shop()
        make_code("ODD-ONE", percent_bp=1_111, scope="merchandise")
    client = app.test_client()
    add(client, "TEE-M", 3)
    add(client, "GUIDE-WB", 1)
    apply(client, "ODD-ONE")

    # when the order goes to Stripe
    assert place(client).status_code == 303

    # then the line items add up to the order's total to the cent: 3 tees for $85.33 are 2 × $28.44
    # and 1 × $28.45, the guide is undiscounted, shipping is its own option
    params = http.last["params"]
    items = []
    index = 0
    while f"line_items[{index}][quantity]" in params:
        items.append(
            (
                params[f"line_items[{index}][price_data][product_data][name]"],
                int(params[f"line_items[{index}][quantity]"]),
                int(params[f"line_items[{index}][price_data][unit_amount]"]),
            )
        )
        index += 1
    assert items == [
        ("Mycelium Tee (M) (discount ODD-ONE)", 2, 2_844),
        ("Mycelium Tee (M) (discount ODD-ONE)", 1, 2_845),
        ("90-Day Workbook", 1, 1_900),
    ]
    shipping = int(params["shipping_options[0][shipping_rate_data][fixed_amount][amount]"])
    with app.app_context():
        order = only_order()
        charged = sum(quantity * unit for _, quantity, unit in items) + shipping
        assert charged == order.total_cents == 9_600 - 1_067 + 1_900 + 795
        # and the webhook's amount check passes for that amount
        order.payment_session_id = "cs_test_fake"
        db.session.commit()
        body = event("checkout.session.completed", session_object(order, amount_total=charged))
        assert post_webhook(client, body, secret="whsec_x").status_code == 200
        paid = reload(order)
        assert paid.status == "paid" and not paid.needs_attention


def test_a_late_payment_whose_use_went_to_someone_else_is_flagged(
    app: Flask, shop: dict[str, Product]
) -> None:
    # given a one-use code: the first order expired unpaid and a second shopper then used the code
    make_code("ONLY-ONE", usage_limit=1)
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        add(client, "TEE-M", 1)
    apply(first, "ONLY-ONE")
    place(first, email="ana@example.com")
    late = only_order()
    pending.mark_expired(late.id)
    apply(second, "ONLY-ONE")
    assert place(second, email="bo@example.com").status_code == 303

    # when the first order's payment arrives after all
    pay(reload(late))

    # then it is paid with what it was charged, the code is not used twice, and staff decide
    paid = reload(late)
    assert paid.status == "paid" and paid.needs_attention
    assert "no use left" in paid.attention_reason
    assert uses_of("ONLY-ONE") == 1
