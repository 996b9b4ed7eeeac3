"""Checkout through HTTP: the form, the summary, placing and paying, and every bad input in the issue."""

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop.catalog.models import ProductVariant
from shop.downloads.models import DownloadGrant
from shop.emails.models import OutgoingEmail
from shop.extensions import db
from shop.orders.access import access_token
from shop.orders.models import Order
from tests.checkout_helpers import (
    add,
    checkout_form,
    dev_pay,
    hidden,
    outbox,
    place,
    session_id_from,
    stripe_app_with,
)
from tests.factories import stock_of
from tests.order_factory import ADDRESS, make_pending_order, make_shop, only_order
from tests.payments.fake_stripe import FakeStripeHTTP, error_body


def order_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Order.id))) or 0


def cart_skus(client: FlaskClient) -> dict[str, int]:
    return {item["sku"]: item["quantity"] for item in client.get("/cart.json").get_json()["items"]}


# --- the page ---------------------------------------------------------------------------------------


def test_the_cart_has_a_checkout_button(client: FlaskClient, shop: dict) -> None:
    add(client, "TEE-M")

    page = client.get("/cart").get_data(as_text=True)

    assert re.search(r'<a class="button button--primary" href="/checkout">Checkout</a>', page)


def test_the_page_asks_for_an_address_with_autocomplete_when_the_cart_ships(
    client: FlaskClient, shop: dict
) -> None:
    add(client, "HOODIE-M", 2)
    add(client, "TEE-M", 1)

    response = client.get("/checkout")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for token in (
        "email",
        "name",
        "address-line1",
        "address-line2",
        "address-level2",
        "address-level1",
        "postal-code",
        "country",
    ):
        assert f'autocomplete="{token}"' in page
    # The country starts at the one the cart's estimate was for (the domestic one here).
    assert '<option selected value="US">United States</option>' in page
    # $168 of merchandise ships free; the summary comes from pricing.
    assert re.search(r"<dd data-shipping>\s*Free", page)
    assert "$168.00" in page
    # one button places the order; the other applies a discount code (its own form)
    checkout_form = page[
        page.index('action="/checkout"') : page.index("</form>", page.index('action="/checkout"'))
    ]
    assert checkout_form.count('type="submit"') == 1
    assert page.count('type="submit"') == 2 and 'id="discount-apply" type="submit"' in page


def test_a_digital_only_cart_has_no_address_step(client: FlaskClient, shop: dict) -> None:
    add(client, "GUIDE-WB")

    page = client.get("/checkout").get_data(as_text=True)

    assert 'autocomplete="email"' in page
    assert "address-line1" not in page
    assert "None: digital delivery" in page


def test_flat_shipping_under_the_threshold(client: FlaskClient, shop: dict) -> None:
    add(client, "TEE-M")

    page = client.get("/checkout").get_data(as_text=True)

    assert re.search(r"<dd data-shipping>\s*\$7\.95", page)
    assert "$39.95" in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_empty_cart_goes_back_to_the_cart(client: FlaskClient, shop: dict, method: str) -> None:
    response = getattr(client, method)("/checkout", data={"email": "ana@example.com"})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/cart")
    assert "Your cart is empty" in client.get("/cart").get_data(as_text=True)
    assert order_count() == 0


# --- paying -----------------------------------------------------------------------------------------


def test_buy_pay_and_get_the_email_and_the_download(client: FlaskClient, app: Flask, shop: dict) -> None:
    # given two hoodies, a tee and a paid guide in the cart
    add(client, "HOODIE-M", 2)
    add(client, "TEE-M", 1)
    add(client, "GUIDE-WB", 1)

    # when the shopper checks out and pays on the dev page
    placed = place(client)
    paid = dev_pay(client, placed.headers["Location"])
    confirmation = client.get(paid.headers["Location"])

    # then the order is paid with free shipping, stock stays taken, the cart is empty
    assert placed.status_code == 303 and "/payments/dev/cs_dev_" in placed.headers["Location"]
    assert paid.status_code == 303 and "/checkout/success?session_id=cs_dev_" in paid.headers["Location"]
    page = confirmation.get_data(as_text=True)
    assert confirmation.status_code == 200
    assert "Thank you! Your order is confirmed" in page
    order = only_order()
    assert order.status == "paid"
    assert (order.subtotal_cents, order.shipping_cents, order.total_cents) == (18_700, 0, 18_700)
    assert order.number in page
    assert stock_of("HOODIE-M") == 8 and stock_of("TEE-M") == 19
    assert cart_skus(client) == {}
    # and the email carries the lines, totals, address, download link and order link
    [email] = outbox(app)
    html = email.alternatives[0][0]
    for text in (email.body, html):
        assert "Spore Print Hoodie (M)" in text and "$187.00" in text and "12 Spore Street" in text
        assert "/downloads/" in text and f"/orders/{order.number}?t=" in text
    download_url = re.search(r"http://localhost(/downloads/\S+)", email.body).group(1)
    with client.get(download_url) as download:
        assert download.status_code == 200 and download.data.startswith(b"%PDF")


def test_a_decline_returns_to_the_cart_with_the_stock_back(client: FlaskClient, shop: dict) -> None:
    add(client, "HOODIE-M", 2)
    placed = place(client)
    assert stock_of("HOODIE-M") == 8

    declined = dev_pay(client, placed.headers["Location"], "decline")

    assert declined.status_code == 303 and declined.headers["Location"].endswith("/cart")
    assert "Your payment was declined" in client.get("/cart").get_data(as_text=True)
    assert only_order().status == "payment_failed"
    assert stock_of("HOODIE-M") == 10
    assert cart_skus(client) == {"HOODIE-M": 2}


def test_abandoning_returns_the_stock(client: FlaskClient, shop: dict) -> None:
    add(client, "HOODIE-M", 1)
    placed = place(client)

    dev_pay(client, placed.headers["Location"], "abandon")

    assert only_order().status == "expired"
    assert stock_of("HOODIE-M") == 10


def cancel_path(order: Order) -> str:
    return f"/checkout/cancel/{access_token(order.number)}"


def test_following_the_cancel_link_changes_nothing_and_offers_a_choice(
    client: FlaskClient, shop: dict
) -> None:
    add(client, "HOODIE-M", 2)
    place(client)
    order = only_order()

    response = client.get(cancel_path(order))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<form action="{cancel_path(order)}" method="post">' in page
    assert "Cancel this order and return the items</button>" in page
    assert f'<a class="button" href="{order.payment_url}">Go back to payment</a>' in page
    assert response.headers["Cache-Control"] == "private, no-store"
    assert only_order().status == "pending_payment" and stock_of("HOODIE-M") == 8


def test_the_dev_payment_page_links_back_to_the_choice_as_stripes_page_does(
    client: FlaskClient, shop: dict
) -> None:
    add(client, "HOODIE-M", 1)
    dev_page = client.get(place(client).headers["Location"]).get_data(as_text=True)

    link = re.search(r'<a href="(/checkout/cancel/[^"]+)">← Back to Good Spores</a>', dev_page).group(1)

    assert link == cancel_path(only_order())
    assert "Cancel this order and return the items" in client.get(link).get_data(as_text=True)
    assert only_order().status == "pending_payment"


def test_a_cancel_link_that_is_forged_or_for_another_purpose_is_404(client: FlaskClient, shop: dict) -> None:
    add(client, "HOODIE-M", 1)
    place(client)

    for path in ("/checkout/cancel/forged-token", f"/checkout/cancel/{only_order().number}"):
        assert client.get(path).status_code == 404
        assert client.post(path).status_code == 404
    assert only_order().status == "pending_payment"


def test_cancelling_without_the_csrf_token_changes_nothing(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        make_shop()
        path = cancel_path(make_pending_order(("HOODIE-M", 2), session_id="cs_dev_cancel"))
    client = csrf_app.test_client()

    response = client.post(path)

    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    with csrf_app.app_context():
        assert only_order().status == "pending_payment" and stock_of("HOODIE-M") == 8


def test_cancelling_with_the_pages_button_cancels_once_and_returns_the_stock_once(csrf_app: Flask) -> None:
    # given a pending order holding 2 hoodies, and its cancel page open
    with csrf_app.app_context():
        make_shop()
        path = cancel_path(make_pending_order(("HOODIE-M", 2), session_id="cs_dev_cancel"))
    client = csrf_app.test_client()
    token = hidden(client.get(path).get_data(as_text=True), "csrf_token")

    # when the shopper presses the button, then presses it again (another tab, a resent form)
    first = client.post(path, data={"csrf_token": token})
    second = client.post(path, data={"csrf_token": token})

    # then the order is cancelled once and its 2 hoodies are back once
    assert first.status_code == 303 and first.headers["Location"] == "/cart"
    assert second.status_code == 303 and second.headers["Location"] == "/cart"
    assert "is cancelled: nothing was charged" in client.get("/cart").get_data(as_text=True)
    with csrf_app.app_context():
        order = only_order()
        assert order.status == "cancelled" and stock_of("HOODIE-M") == 10
        assert [event.kind for event in order.events].count("stock") == 1
        assert client.get(path).headers["Location"] == "/cart"  # the link now just goes back to the cart


def test_a_payment_the_provider_will_not_close_is_not_cancelled(client: FlaskClient, shop: dict) -> None:
    # given a session the provider no longer lets us close (the shopper is paying in another tab)
    order = make_pending_order(("HOODIE-M", 1), session_id="cs_being_paid")

    response = client.post(cancel_path(order))

    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/orders/{order.number}?t=")
    assert "so the order was not cancelled" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert only_order().status == "pending_payment" and stock_of("HOODIE-M") == 9


def test_the_cancel_link_of_a_paid_order_shows_the_order_and_cancels_nothing(
    client: FlaskClient, shop: dict
) -> None:
    add(client, "HOODIE-M", 1)
    dev_pay(client, place(client).headers["Location"])
    order = only_order()

    opened = client.get(cancel_path(order))
    posted = client.post(cancel_path(order))

    for response in (opened, posted):
        assert response.status_code == 303
        assert response.headers["Location"].startswith(f"/orders/{order.number}?t=")
    assert only_order().status == "paid" and stock_of("HOODIE-M") == 9


def test_stripes_cancel_url_lands_on_the_choice_and_the_button_closes_the_session(make_app) -> None:
    # given a Stripe checkout the shopper left by the page's back link
    http = FakeStripeHTTP()
    http.responses[("post", "/v1/checkout/sessions/cs_test_fake/expire")] = (
        200,
        {"id": "cs_test_fake", "object": "checkout.session", "status": "expired"},
    )
    app = stripe_app_with(make_app, http)
    with app.app_context():
        make_shop()
    client = app.test_client()
    add(client, "HOODIE-M", 1)
    client.post("/checkout", data=checkout_form(client))
    cancel_url = http.last["params"]["cancel_url"]

    # when Stripe sends the shopper back (a GET)
    page = client.get(cancel_url.removeprefix("http://localhost")).get_data(as_text=True)

    # then nothing is closed yet, and they may go back to Stripe's page
    assert 'href="https://checkout.stripe.com/c/pay/cs_test_fake">Go back to payment' in page
    assert [request["url"] for request in http.requests if "expire" in request["url"]] == []
    with app.app_context():
        assert only_order().status == "pending_payment" and stock_of("HOODIE-M") == 9

    # and pressing the button closes the session at Stripe and returns the stock
    client.post(cancel_url.removeprefix("http://localhost"))
    assert http.last["url"].endswith("/v1/checkout/sessions/cs_test_fake/expire")
    with app.app_context():
        assert only_order().status == "cancelled" and stock_of("HOODIE-M") == 10


def test_the_dev_page_shows_a_loud_banner_and_three_buttons(client: FlaskClient, shop: dict) -> None:
    add(client, "TEE-M")
    placed = place(client)

    page = client.get(placed.headers["Location"]).get_data(as_text=True)

    assert "Development payment — no money moves" in page
    for action in ("pay", "decline", "abandon"):
        assert f'name="action" value="{action}"' in page


def test_the_dev_page_needs_csrf(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        make_shop()
    client = csrf_app.test_client()
    add_response = client.get("/cart")  # a session
    assert add_response.status_code == 200

    response = client.post("/payments/dev/cs_dev_whatever", data={"action": "pay"})

    assert response.status_code == 400


def test_unknown_dev_sessions_are_404(client: FlaskClient, shop: dict) -> None:
    assert client.get("/payments/dev/cs_dev_nope").status_code == 404
    assert client.post("/payments/dev/cs_dev_nope", data={"action": "pay"}).status_code == 404


def test_success_page_while_the_payment_is_processing(client: FlaskClient, shop: dict) -> None:
    add(client, "TEE-M")
    placed = place(client)

    response = client.get(f"/checkout/success?session_id={session_id_from(placed.headers['Location'])}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Payment processing…" in page
    assert 'src="/static/js/order-status.js"' in page


def test_success_page_for_an_unknown_session_is_404(client: FlaskClient, shop: dict) -> None:
    assert client.get("/checkout/success?session_id=cs_nope").status_code == 404
    assert client.get("/checkout/success").status_code == 404


# --- bad input --------------------------------------------------------------------------------------


def test_a_shipping_order_needs_an_address(client: FlaskClient, shop: dict) -> None:
    add(client, "HOODIE-M")

    response = client.post("/checkout", data=checkout_form(client, with_address=False))

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter the street address." in page and "Choose a country we ship to." in page
    assert 'aria-invalid="true"' in page
    assert order_count() == 0 and stock_of("HOODIE-M") == 10


def test_a_digital_order_needs_no_address(client: FlaskClient, shop: dict) -> None:
    add(client, "GUIDE-WB")

    response = client.post("/checkout", data=checkout_form(client, with_address=False))

    assert response.status_code == 303
    order = only_order()
    assert order.requires_shipping is False and order.ship_line1 is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter a valid email address"),
        ("country", "KP", "Choose a country we ship to."),
        ("line1", "x" * 201, "under 200 characters"),
        ("checkout_key", "", "Reload the page"),
        ("cart_fingerprint", "", "Reload the page"),
    ],
)
def test_a_tampered_form_is_refused(
    client: FlaskClient, shop: dict, field: str, value: str, message: str
) -> None:
    add(client, "HOODIE-M")

    response = client.post("/checkout", data=checkout_form(client, **{field: value}))

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert order_count() == 0 and stock_of("HOODIE-M") == 10


def test_posted_prices_are_ignored(client: FlaskClient, shop: dict) -> None:
    add(client, "HOODIE-M")

    place(client, total_cents="1", unit_price_cents="1", shipping_cents="0")

    assert only_order().total_cents == 6_800 + 795


def test_checkout_needs_the_csrf_token(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        make_shop()
    client = csrf_app.test_client()
    page = client.get("/products/tee").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/cart/add.json", json={"sku": "TEE-M", "quantity": 1}, headers={"X-CSRFToken": token})
    form = checkout_form(client)

    response = client.post("/checkout", data=form)

    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_a_replayed_form_makes_one_order(client: FlaskClient, shop: dict) -> None:
    add(client, "HOODIE-M", 2)
    form = checkout_form(client)

    first = client.post("/checkout", data=form)
    second = client.post("/checkout", data=form)

    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert order_count() == 1 and stock_of("HOODIE-M") == 8


def test_a_replayed_form_after_its_order_ended_is_refused(client: FlaskClient, shop: dict) -> None:
    add(client, "HOODIE-M", 2)
    form = checkout_form(client)
    placed = client.post("/checkout", data=form)
    dev_pay(client, placed.headers["Location"], "decline")

    response = client.post("/checkout", data=form)

    assert response.status_code == 409
    assert "already sent" in response.get_data(as_text=True)
    assert order_count() == 1 and stock_of("HOODIE-M") == 10


def test_a_replayed_form_after_payment_shows_the_order(client: FlaskClient, shop: dict) -> None:
    add(client, "GUIDE-WB")
    form = checkout_form(client)
    dev_pay(client, client.post("/checkout", data=form).headers["Location"])

    response = client.post("/checkout", data=form)

    assert response.status_code == 303 and f"/orders/{only_order().number}?t=" in response.headers["Location"]


def test_sold_out_between_cart_and_checkout_names_the_item(client: FlaskClient, shop: dict) -> None:
    add(client, "HOODIE-M", 2)
    add(client, "MUG", 3)
    form = checkout_form(client)
    db.session.execute(sa.update(ProductVariant).where(ProductVariant.sku == "MUG").values(stock_on_hand=1))
    db.session.commit()

    response = client.post("/checkout", data=form)

    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Only 1 left of Enamel Mug" in page
    assert order_count() == 0
    assert stock_of("HOODIE-M") == 10 and stock_of("MUG") == 1


def test_a_cart_changed_after_the_page_was_shown_is_shown_again(client: FlaskClient, shop: dict) -> None:
    add(client, "HOODIE-M", 1)
    form = checkout_form(client)
    add(client, "TEE-M", 1)

    response = client.post("/checkout", data=form)

    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Your cart changed since you opened checkout" in page
    assert "Mycelium Tee (M)" in page
    assert order_count() == 0
    # the re-rendered form carries the new cart and works
    assert client.post("/checkout", data=checkout_form(client)).status_code == 303


def test_the_order_is_what_gets_paid_when_the_cart_changes_after_checkout(
    client: FlaskClient, shop: dict
) -> None:
    add(client, "HOODIE-M", 1)
    placed = place(client)
    add(client, "TEE-M", 3)
    client.post("/cart/change.json", json={"sku": "HOODIE-M", "quantity": 4})

    paid = dev_pay(client, placed.headers["Location"])

    assert paid.status_code == 303
    order = only_order()
    assert order.status == "paid"
    assert [(line.sku, line.quantity) for line in order.lines] == [("HOODIE-M", 1)]
    assert order.total_cents == 6_800 + 795
    assert stock_of("HOODIE-M") == 9 and stock_of("TEE-M") == 20
    # only what was bought leaves the cart
    assert cart_skus(client) == {"HOODIE-M": 3, "TEE-M": 3}


def test_checkout_start_is_rate_limited(make_app) -> None:
    app = make_app(CHECKOUT_RATE_LIMIT="2 per minute")
    with app.app_context():
        make_shop()
    client = app.test_client()
    add(client, "TEE-M")

    statuses = [client.post("/checkout", data={"email": "x"}).status_code for _ in range(3)]

    assert statuses == [400, 400, 429]


def test_a_stripe_error_gives_a_retryable_message_and_releases_the_stock(make_app) -> None:
    # given Stripe answering 500
    http = FakeStripeHTTP()
    http.responses[("post", "/v1/checkout/sessions")] = (500, error_body())
    app = stripe_app_with(make_app, http)
    with app.app_context():
        make_shop()
    client = app.test_client()
    add(client, "HOODIE-M", 2)

    # when the shopper places the order
    response = client.post("/checkout", data=checkout_form(client))

    # then they can try again, and nothing is held
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "please try again in a moment" in page
    assert 'name="email"' in page and ADDRESS["line1"] in page
    with app.app_context():
        assert only_order().status == "cancelled"
        assert stock_of("HOODIE-M") == 10
    assert client.post("/checkout", data=checkout_form(client)).status_code == 400  # still down, still fine


def test_stripe_checkout_redirects_to_the_hosted_page(make_app) -> None:
    http = FakeStripeHTTP()
    app = stripe_app_with(make_app, http)
    with app.app_context():
        make_shop()
    client = app.test_client()
    add(client, "HOODIE-M", 1)

    response = client.post("/checkout", data=checkout_form(client))

    assert response.status_code == 303
    assert response.headers["Location"] == "https://checkout.stripe.com/c/pay/cs_test_fake"
    params = http.last["params"]
    with app.app_context():
        order = only_order()
        assert order.payment_session_id == "cs_test_fake"
        # Stripe refuses sessions expiring within 30 minutes; reservation and session share one expiry
        assert params["expires_at"] == str(int(order.reservation_expires_at.timestamp()))
        minutes = (order.reservation_expires_at - order.created_at).total_seconds() / 60
        assert 31 < minutes <= 32.1


def test_the_order_page_download_button_serves_the_guide(client: FlaskClient, shop: dict) -> None:
    add(client, "GUIDE-WB")
    paid = dev_pay(client, place(client).headers["Location"])
    page = client.get(paid.headers["Location"]).get_data(as_text=True)
    action = re.search(r'<form action="(/orders/[^"]+/downloads/\d+)"', page).group(1)
    token = hidden(page, "t")

    response = client.post(action, data={"t": token})

    assert response.status_code == 303 and "/downloads/" in response.headers["Location"]
    with client.get(response.headers["Location"]) as download:
        assert download.data.startswith(b"%PDF")
    assert client.post(action, data={"t": "forged"}).status_code == 404
    grants = db.session.scalars(sa.select(DownloadGrant)).all()
    assert all(grant.order_id == only_order().id for grant in grants) and len(grants) == 2


def test_the_success_page_confirms_a_paid_session_before_the_webhook(make_app) -> None:
    # given a Stripe order whose webhook has not arrived, and Stripe saying the session is paid
    http = FakeStripeHTTP()
    app = stripe_app_with(make_app, http)
    with app.app_context():
        make_shop()
    client = app.test_client()
    add(client, "GUIDE-WB")
    client.post("/checkout", data=checkout_form(client, with_address=False))
    with app.app_context():
        order = only_order()
        http.responses[("get", "/v1/checkout/sessions/cs_test_fake")] = (
            200,
            {
                "id": "cs_test_fake",
                "object": "checkout.session",
                "status": "complete",
                "payment_status": "paid",
                "amount_total": order.total_cents,
                "currency": "usd",
                "payment_intent": "pi_from_retrieve",
                "metadata": {"order_id": str(order.id)},
            },
        )

    # when the shopper lands on the success page
    response = client.get("/checkout/success?session_id=cs_test_fake")

    # then it is confirmed through the same idempotent path
    assert "Thank you! Your order is confirmed" in response.get_data(as_text=True)
    with app.app_context():
        order = only_order()
        assert order.status == "fulfilled" and order.payment_intent_id == "pi_from_retrieve"
    assert len(outbox(app)) == 1


def test_the_success_page_waits_when_stripe_cannot_be_asked(make_app) -> None:
    http = FakeStripeHTTP()
    app = stripe_app_with(make_app, http)
    http.responses[("get", "/v1/checkout/sessions/cs_test_fake")] = (500, error_body())
    with app.app_context():
        make_shop()
    client = app.test_client()
    add(client, "GUIDE-WB")
    client.post("/checkout", data=checkout_form(client, with_address=False))

    response = client.get("/checkout/success?session_id=cs_test_fake")

    assert response.status_code == 200 and "Payment processing…" in response.get_data(as_text=True)


def test_the_dev_page_does_not_exist_with_stripe(make_app) -> None:
    app = stripe_app_with(make_app, FakeStripeHTTP())

    assert app.test_client().get("/payments/dev/cs_dev_anything").status_code == 404


def test_a_broken_mail_server_never_fails_the_purchase(make_app) -> None:
    app = make_app(MAIL_BACKEND="tests.emails.broken_backend.EmailBackend")
    with app.app_context():
        make_shop()
    client = app.test_client()
    add(client, "GUIDE-WB")

    paid = dev_pay(
        client, client.post("/checkout", data=checkout_form(client, with_address=False)).headers["Location"]
    )

    assert "Thank you! Your order is confirmed" in client.get(paid.headers["Location"]).get_data(as_text=True)
    assert outbox(app) == []  # the worker's attempt failed
    with app.app_context():
        assert only_order().status == "fulfilled"
        email = db.session.scalar(sa.select(OutgoingEmail))
        assert email.status == "pending" and email.attempts == 1  # kept for the worker's next try
