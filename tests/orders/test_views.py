"""/orders/<number>: a signed link opens the order; unknown, foreign or forged links are 404."""

import pytest
from flask.testing import FlaskClient

from shop.extensions import db
from shop.orders.access import access_token
from shop.orders.models import Order
from shop.orders.payment_events import PaymentConfirmation, flag
from shop.payments.settlement import mark_paid
from tests.order_factory import make_pending_order


def test_the_signed_link_shows_status_lines_and_timeline(client: FlaskClient, shop: dict) -> None:
    order = make_pending_order(("HOODIE-M", 1), ("GUIDE-WB", 1))
    mark_paid(order.id, PaymentConfirmation("cs_test_123", "pi_1", order.total_cents, "usd"))

    response = client.get(f"/orders/{order.number}?t={access_token(order.number)}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Order {order.number}" in page and "Status: <strong" in page
    assert "Spore Print Hoodie (M)" in page and "$94.95" in page
    assert "Order placed" in page and "Payment received" in page
    assert "12 Spore Street" in page and "United States" in page
    assert "Download 90-Day Workbook (PDF)" in page
    assert 'name="robots" content="noindex"' in page


def test_the_order_number_is_case_insensitive(client: FlaskClient, shop: dict) -> None:
    order = make_pending_order(("TEE-M", 1))

    response = client.get(f"/orders/{order.number.lower()}?t={access_token(order.number)}")

    assert response.status_code == 200


@pytest.mark.parametrize("case", ["no token", "forged", "another order's token", "unknown number", "long"])
def test_unknown_or_foreign_orders_are_404(client: FlaskClient, shop: dict, case: str) -> None:
    mine = make_pending_order(("TEE-M", 1), session_id="cs_1")
    theirs = make_pending_order(("MUG", 1), session_id="cs_2")
    url = {
        "no token": f"/orders/{mine.number}",
        "forged": f"/orders/{mine.number}?t=abc.def",
        "another order's token": f"/orders/{mine.number}?t={access_token(theirs.number)}",
        "unknown number": f"/orders/GS-ZZZZZZ?t={access_token('GS-ZZZZZZ')}",
        "long": f"/orders/{'X' * 300}?t={'y' * 300}",
    }[case]

    response = client.get(url)

    assert response.status_code == 404
    assert "confirmation email" in response.get_data(as_text=True)


def test_the_customer_timeline_hides_internal_notes(client: FlaskClient, shop: dict) -> None:
    order = make_pending_order(("TEE-M", 1))
    flag(db.session.get(Order, order.id), actor="staff:bo@example.com", reason="Suspicious: call the bank")
    db.session.commit()

    page = client.get(f"/orders/{order.number}?t={access_token(order.number)}").get_data(as_text=True)

    assert "Waiting for payment" in page
    assert "Suspicious" not in page and "staff:" not in page and "stock reserved until" not in page
