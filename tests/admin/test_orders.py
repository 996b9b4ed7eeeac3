"""Admin order views: the list with filters and its CSV, the order page, and every action through its
confirmation step; bad input and impossible actions are refused with nothing changed."""

import csv
import io
import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask, render_template
from flask.testing import FlaskClient

from shop.accounts.models import Role
from shop.admin.order_filters import FilterError, parse_order_filter
from shop.clock import utcnow
from shop.extensions import db
from shop.orders import shipping
from shop.orders import staff_actions as management
from shop.orders.access import access_token
from shop.orders.models import Order
from shop.payments import staff_refunds
from shop.payments.errors import PaymentError
from tests.accounts.helpers import log_in_with_csrf, make_user
from tests.admin.helpers import client_as
from tests.admin.order_helpers import STAFF, audit_rows, flag_order, order_with_nothing_to_refund, timeline
from tests.checkout_helpers import add, dev_pay, hidden, hidden_fields, outbox, place
from tests.conftest import count_queries
from tests.factories import make_code, stock_of
from tests.fixtures import OrderFactory
from tests.order_factory import make_paid_order, make_shop, reload

MARKUP = '<script>alert("x")</script>'


@pytest.fixture
def staff(shop: dict, app: Flask) -> FlaskClient:
    return client_as(app, Role.STAFF, email="bo@example.com")


@pytest.fixture
def admin(shop: dict, app: Flask) -> FlaskClient:
    """For the actions only admins take (refund, cancel, clear a flag, the CSV): see permissions.py."""
    return client_as(app, Role.ADMIN, email="bo@example.com")


def text(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def confirm(client: FlaskClient, url: str, data: dict[str, str]) -> tuple[object, object]:
    """Post an action; then press the confirmation page's button, posting what that page holds (or, when
    the first post was refused, the same data confirmed, as a forged or replayed post would)."""
    first = client.post(url, data=data)
    if first.status_code == 200:
        held = {k: v for k, v in hidden_fields(text(first)).items() if k != "csrf_token"}
        assert held.pop("confirmed") == "yes"
    else:
        held = data
    second = client.post(url, data={**held, "confirmed": "yes"})
    return first, second


# --- the list -------------------------------------------------------------------------------------


def test_the_list_shows_newest_first_with_status_and_flags(
    paid_order: OrderFactory, pending_order: OrderFactory, staff: FlaskClient
) -> None:
    older = paid_order(("TEE-M", 1), email="older@example.com")
    newer = flag_order(pending_order(("MUG", 1), email="newer@example.com"), "Amount mismatch")

    page = text(staff.get("/admin/orders"))

    assert page.index(newer.number) < page.index(older.number)
    assert "2 orders, newest first" in page
    assert "Needs attention" in page and "To ship" in page and "$39.95" in page
    assert 'aria-current="page">Orders</a>' in page


def _row_of(page: str, number: str) -> str:
    """The list's table row of one order."""
    return next(row for row in re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL) if number in row)


def test_each_row_shows_its_units_what_is_left_to_ship_and_refunds(
    paid_order: OrderFactory, staff: FlaskClient
) -> None:
    units = paid_order(("TEE-M", 3), ("MUG", 2), email="units@example.com")
    shipped = paid_order(("TEE-M", 1), email="shipped@example.com")
    shipped.shipped_at = utcnow()  # paid and physical, but already out of the door
    refunded = paid_order(("MUG", 1), email="refunded@example.com")
    refunded.status, refunded.refunded_cents = "partially_refunded", 500
    digital = paid_order(("GUIDE-WB", 1), email="digital@example.com")
    db.session.commit()

    page = text(staff.get("/admin/orders"))

    assert re.search(r"<td>5</td>", _row_of(page, units.number)) and "To ship" in _row_of(page, units.number)
    assert "To ship" not in _row_of(page, shipped.number)
    assert "To ship" in _row_of(page, refunded.number) and "$5.00 refunded" in _row_of(page, refunded.number)
    assert "To ship" not in _row_of(page, digital.number) and "refunded" not in _row_of(page, digital.number)
    assert f'<a href="/admin/orders/{units.number}">{units.number}</a>' in page


def test_search_and_status_filters(
    paid_order: OrderFactory, pending_order: OrderFactory, staff: FlaskClient
) -> None:
    ana = paid_order(("TEE-M", 1), email="ana@example.com")
    bo = pending_order(("MUG", 1), email="bo.buyer@example.com")

    by_email = text(staff.get("/admin/orders?q=ANA@EX"))
    by_number = text(staff.get(f"/admin/orders?q={bo.number.lower()}"))
    by_status = text(staff.get("/admin/orders?status=pending_payment"))
    to_ship = text(staff.get("/admin/orders?status=to_ship"))

    assert ana.number in by_email and bo.number not in by_email
    assert bo.number in by_number and ana.number not in by_number
    assert bo.number in by_status and ana.number not in by_status
    assert ana.number in to_ship and bo.number not in to_ship
    assert "1 order matches these filters" in by_email


def test_a_date_range_filters_by_the_utc_day_placed(paid_order: OrderFactory, staff: FlaskClient) -> None:
    old = paid_order(("TEE-M", 1), email="old@example.com")
    old.created_at = utcnow() - timedelta(days=3)
    db.session.commit()
    new = paid_order(("MUG", 1), email="new@example.com")
    today = utcnow().date()

    recent = text(staff.get(f"/admin/orders?from={today.isoformat()}&to={today.isoformat()}"))
    earlier = text(staff.get(f"/admin/orders?to={(today - timedelta(days=1)).isoformat()}"))

    assert new.number in recent and old.number not in recent
    assert old.number in earlier and new.number not in earlier


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=yesterday", "The start date must be a real date"),
        ("from=2026-02-30", "The start date must be a real date"),
        ("to=20261130", "The end date must be a real date"),
        ("to=1999-12-31", "between 2000 and 2099"),
        ("from=2026-11-30&to=2026-11-01", "The start date is after the end date"),
        ("status=shipped", "Choose a status from the list"),
        ("q=" + "x" * 101, "at most 100 characters"),
        ("q=ana%00", "letters, digits and punctuation"),
        ("q=an%C2%85a", "letters, digits and punctuation"),  # C1: next line
        ("q=ana%C2%9B", "letters, digits and punctuation"),  # C1: control sequence introducer
    ],
)
def test_nonsense_filters_are_a_400_with_a_message(
    paid_order: OrderFactory, admin: FlaskClient, query: str, message: str
) -> None:
    paid_order(("TEE-M", 1))

    page_response = admin.get(f"/admin/orders?{query}")
    csv_response = admin.get(f"/admin/orders.csv?{query}")

    assert page_response.status_code == 400 and message in text(page_response)
    assert "Clear filters" in text(page_response)
    assert csv_response.status_code == 400 and message in text(csv_response)


@pytest.mark.parametrize("search", ["ana\ud800", "\udfffana", "an\x85a", "an\x9ba"])
def test_searches_with_lone_surrogates_or_c1_controls_are_refused(search: str) -> None:
    with pytest.raises(FilterError, match="letters, digits and punctuation"):
        parse_order_filter({"q": search})


def test_the_list_pages(pending_order: OrderFactory, staff: FlaskClient) -> None:
    orders = [pending_order(("GUIDE-WB", 1), email=f"p{index}@example.com") for index in range(27)]

    first = text(staff.get("/admin/orders"))
    second = text(staff.get("/admin/orders?page=2"))

    assert "Page 1 of 2" in first and orders[0].number not in first and orders[-1].number in first
    assert orders[0].number in second and orders[1].number in second and orders[2].number not in second
    assert staff.get("/admin/orders?page=0").status_code == 404
    assert staff.get("/admin/orders?page=3").status_code == 404


def test_the_list_does_not_query_per_order(paid_order: OrderFactory, app: Flask, staff: FlaskClient) -> None:
    paid_order(("TEE-M", 1), ("GUIDE-WB", 1))
    with count_queries(app) as one:
        staff.get("/admin/orders")
    for index in range(10):
        paid_order(("TEE-M", 1), ("MUG", 1) if index < 2 else ("GUIDE-WB", 1), email=f"n{index}@example.com")
    with count_queries(app) as many:
        staff.get("/admin/orders")

    assert len(many) == len(one)


# --- CSV ------------------------------------------------------------------------------------------


def read_csv(response: object) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text(response))))


def test_the_csv_holds_every_order_the_filters_show_across_pages(
    paid_order: OrderFactory, pending_order: OrderFactory, admin: FlaskClient
) -> None:
    matching = [pending_order(("GUIDE-WB", 1), email=f"match{index}@example.com") for index in range(28)]
    paid_order(("TEE-M", 1), email="other@example.com")

    response = admin.get("/admin/orders.csv?q=match&status=pending_payment")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="orders-')
    assert response.headers["Cache-Control"] == "private, no-store"
    rows = read_csv(response)
    assert [row["number"] for row in rows] == [order.number for order in reversed(matching)]
    assert rows[0]["total"] == "19.00" and rows[0]["currency"] == "USD"
    assert rows[0]["items"] == "1 × 90-Day Workbook (GUIDE-WB)"
    assert ("order.export", "bo@example.com", "csv") in audit_rows()


def test_the_csv_has_amounts_shipment_and_references(paid_order: OrderFactory, admin: FlaskClient) -> None:
    order = paid_order(("HOODIE-M", 2), ("GUIDE-WB", 1))
    staff_refunds.refund(STAFF, order.id, amount_cents=1_050, keep_downloads=True)
    management.mark_shipped(STAFF, order.id, carrier="FEDEX", tracking_number="7489 1234")

    [row] = read_csv(admin.get("/admin/orders.csv"))

    assert (row["subtotal"], row["shipping"], row["total"], row["refunded"]) == (
        "155.00",
        "7.95",
        "162.95",
        "10.50",
    )
    assert row["status"] == "partially_refunded" and row["carrier"] == "FedEx"
    assert row["tracking_number"] == "7489 1234" and row["ship_city"] == "Portland"
    assert row["payment_reference"] == order.payment_intent_id and row["needs_attention"] == "no"
    assert row["paid_at"].endswith("Z") and row["shipped_at"].endswith("Z")


def test_the_csv_amounts_add_up_for_a_discounted_order(app: Flask, admin: FlaskClient) -> None:
    # given a hoodie bought with SPORES10 (10% off merchandise)
    make_code("SPORES10", scope="merchandise")
    shopper = app.test_client()
    add(shopper, "HOODIE-M", 1)
    shopper.post("/cart/discount.json", json={"code": "SPORES10"})
    dev_pay(shopper, place(shopper).headers["Location"])

    [row] = read_csv(admin.get("/admin/orders.csv"))

    # then the row carries the code and its discount, and subtotal − discount + shipping + tax = total
    assert (row["subtotal"], row["discount"], row["discount_code"]) == ("68.00", "6.80", "SPORES10")
    cents = {
        name: int(row[name].replace(".", "")) for name in ("subtotal", "discount", "shipping", "tax", "total")
    }
    assert cents["subtotal"] - cents["discount"] + cents["shipping"] + cents["tax"] == cents["total"]


def test_csv_cells_cannot_become_formulas(paid_order: OrderFactory, admin: FlaskClient) -> None:
    order = paid_order(("TEE-M", 1), email="=1+2@example.com")
    order.ship_name = '=HYPERLINK("http://evil.example","click")'
    order.ship_line2 = "@SUM(A1)"
    order.ship_city = "+1 city"
    order.ship_region = "-2"
    order.ship_postal_code = "\t9720"
    db.session.commit()

    [row] = read_csv(admin.get("/admin/orders.csv"))

    assert row["email"] == "'=1+2@example.com"
    assert row["ship_name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert (row["ship_line2"], row["ship_city"], row["ship_region"]) == ("'@SUM(A1)", "'+1 city", "'-2")
    assert row["ship_postal_code"] == "'\t9720"


# --- the order page -------------------------------------------------------------------------------


def test_unknown_order_numbers_are_404(admin: FlaskClient) -> None:
    assert admin.get("/admin/orders/GS-ZZZZZZ").status_code == 404
    assert admin.get("/admin/orders/" + "X" * 300).status_code == 404
    for action in ("ship", "cancel", "refund", "resend", "notes", "clear-flag"):
        assert admin.post(f"/admin/orders/GS-ZZZZZZ/{action}", data={"confirmed": "yes"}).status_code == 404


def test_the_order_page_shows_lines_totals_address_payment_and_timeline(
    paid_order: OrderFactory, admin: FlaskClient
) -> None:
    order = paid_order(("HOODIE-M", 1), ("GUIDE-WB", 1))
    management.add_note(STAFF, order.id, "Customer asked for gift wrap.")

    page = text(admin.get(f"/admin/orders/{order.number}"))

    assert f"Order {order.number}" in page
    assert "Spore Print Hoodie (M)" in page and "HOODIE-M" in page and "90-Day Workbook" in page
    assert "$87.00" in page and "$94.95" in page
    assert "12 Spore Street" in page and "Portland" in page and "United States" in page
    assert 'href="mailto:ana@example.com"' in page
    assert order.payment_intent_id in page and "development payment: no money moved" in page
    assert "Customer asked for gift wrap." in page and "Internal note" in page
    assert "bo@example.com (staff)" in page and "Order placed" in page and "Awaiting payment → Paid" in page
    # and the actions this paid order allows, each behind a disclosure
    for summary in (
        "Mark shipped",
        "Refund an amount",
        "Refund lines",
        "Cancel the order",
        "Resend the confirmation and download links",
    ):
        assert f"<summary>{summary}</summary>" in page
    assert "Clear the flag" not in page


@pytest.mark.parametrize(
    ("secret_key", "expected"),
    [
        ("sk_test_abc", "https://dashboard.stripe.com/test/payments/pi_3Abc"),
        ("sk_live_abc", "https://dashboard.stripe.com/payments/pi_3Abc"),
    ],
)
def test_stripe_payments_link_to_the_stripe_dashboard(
    paid_order: OrderFactory, app: Flask, staff: FlaskClient, secret_key: str, expected: str
) -> None:
    order = paid_order(("TEE-M", 1))
    order.payment_provider = "stripe"
    order.payment_intent_id = "pi_3Abc"
    db.session.commit()
    app.config["STRIPE_SECRET_KEY"] = secret_key

    page = text(staff.get(f"/admin/orders/{order.number}"))

    assert f'href="{expected}"' in page


def test_an_unpaid_order_offers_only_cancel_and_notes(
    pending_order: OrderFactory, admin: FlaskClient
) -> None:
    order = pending_order(("TEE-M", 1))

    page = text(admin.get(f"/admin/orders/{order.number}"))

    assert "<summary>Cancel the order</summary>" in page and "<summary>Add an internal note</summary>" in page
    for absent in ("Mark shipped", "<summary>Refund", "Resend the confirmation"):
        assert absent not in page


def test_a_flagged_order_shows_why_prominently_and_offers_to_clear_it(
    pending_order: OrderFactory, admin: FlaskClient
) -> None:
    order = flag_order(
        pending_order(("TEE-M", 1)), "Payment of $1.00 does not match the order total of $39.95."
    )

    page = text(admin.get(f"/admin/orders/{order.number}"))

    assert page.index("Needs attention") < page.index("Items")
    assert "Payment of $1.00 does not match the order total of $39.95." in page
    assert "<summary>Clear the flag</summary>" in page and "<summary>Cancel the order</summary>" in page


# --- shipping -------------------------------------------------------------------------------------


def test_marking_shipped_confirms_first_then_ships_and_emails(
    paid_order: OrderFactory, app: Flask, staff: FlaskClient
) -> None:
    order = paid_order(("HOODIE-M", 1))
    url = f"/admin/orders/{order.number}/ship"
    data = {"carrier": "USPS", "tracking_number": "9400 1000 0000"}

    # when staff send the form: a confirmation page, nothing changed yet
    first = staff.post(url, data=data)
    assert first.status_code == 200
    page = text(first)
    assert f"Mark order {order.number} shipped?" in page and "9400 1000 0000" in page
    assert "https://tools.usps.com/go/TrackConfirmAction?tLabels=940010000000" in page
    assert 'name="confirmed" value="yes"' in page and 'name="tracking_number" value="9400 1000 0000"' in page
    assert reload(order).status == "paid"

    # and confirm it
    second = staff.post(url, data={**data, "confirmed": "yes"})

    # then the order is fulfilled, the customer emailed, and the page says so
    assert second.status_code == 303 and second.headers["Location"] == f"/admin/orders/{order.number}"
    assert reload(order).status == "fulfilled" and reload(order).tracking_number == "9400 1000 0000"
    [email] = [m for m in outbox(app) if "shipped" in m.subject]
    assert email.to == ["ana@example.com"] and "9400 1000 0000" in email.body
    html = email.alternatives[0][0]
    assert "https://tools.usps.com/go/TrackConfirmAction?tLabels=940010000000" in html
    after = text(staff.get(f"/admin/orders/{order.number}"))
    assert (
        "is marked shipped" in after and "Shipped" in after and "<summary>Mark shipped</summary>" not in after
    )


@pytest.mark.parametrize("tracking_number", [MARKUP, "<b>1Z</b>", "1Z&amp;", "", "X" * 65])
def test_tracking_numbers_with_markup_or_junk_are_refused(
    paid_order: OrderFactory, app: Flask, staff: FlaskClient, tracking_number: str
) -> None:
    order = paid_order(("TEE-M", 1))

    first, second = confirm(
        staff, f"/admin/orders/{order.number}/ship", {"carrier": "UPS", "tracking_number": tracking_number}
    )

    assert first.status_code == second.status_code == 400
    assert MARKUP not in text(second) and "<b>1Z</b>" not in text(second)
    assert "letters, digits, spaces or hyphens" in text(second) or "Enter the tracking number" in text(second)
    assert reload(order).status == "paid" and reload(order).tracking_number is None
    assert not [m for m in outbox(app) if "shipped" in m.subject]


def test_tracking_markup_stored_by_another_tool_is_escaped_everywhere(
    paid_order: OrderFactory, app: Flask, staff: FlaskClient
) -> None:
    # given a tracking number that bypassed the admin's rules (a script, a database console)
    order = paid_order(("TEE-M", 1))
    management.mark_shipped(STAFF, order.id, carrier="UPS", tracking_number="1Z1")
    order = reload(order)
    order.tracking_number = MARKUP
    db.session.commit()

    admin_page = text(staff.get(f"/admin/orders/{order.number}"))
    customer_page = text(app.test_client().get(f"/orders/{order.number}?t={access_token(order.number)}"))
    with app.test_request_context():
        email_html = render_template(
            "emails/order_shipped.html",
            order=order,
            shipment=shipping.shipment_of(order),
            lines=order.lines,
            address=None,
            order_url="http://localhost/",
            subject="s",
        )

    for rendered in (admin_page, customer_page, email_html):
        assert MARKUP not in rendered
        assert "&lt;script&gt;" in rendered
    # the link's query is percent-encoded, so the markup cannot leave the attribute either
    assert "tracknum=%3CSCRIPT%3E" in admin_page.upper() or "tracknum=%3Cscript%3E" in admin_page


@pytest.mark.parametrize("case", ["pending", "fulfilled", "digital", "flagged"])
def test_shipping_an_order_that_cannot_ship_is_refused(
    paid_order: OrderFactory, pending_order: OrderFactory, app: Flask, staff: FlaskClient, case: str
) -> None:
    order = {
        "pending": lambda: pending_order(("TEE-M", 1)),
        "fulfilled": lambda: paid_order(("TEE-M", 1)),
        "digital": lambda: paid_order(("GUIDE-WB", 1)),
        "flagged": lambda: flag_order(paid_order(("TEE-M", 1)), "Refund by hand"),
    }[case]()
    if case == "fulfilled":
        management.mark_shipped(STAFF, order.id, carrier="UPS", tracking_number="1Z1")
    before = (reload(order).status, reload(order).tracking_number, len(timeline(order)))

    first, second = confirm(
        staff, f"/admin/orders/{order.number}/ship", {"carrier": "DHL", "tracking_number": "JD01"}
    )

    assert first.status_code == second.status_code == 409
    assert (reload(order).status, reload(order).tracking_number, len(timeline(order))) == before
    assert 'class="flash flash--error"' in text(second)


def test_the_carrier_must_be_one_of_the_list(paid_order: OrderFactory, staff: FlaskClient) -> None:
    order = paid_order(("TEE-M", 1))

    response = staff.post(
        f"/admin/orders/{order.number}/ship",
        data={"carrier": "ROCKET", "tracking_number": "1", "confirmed": "yes"},
    )

    assert response.status_code == 400 and "Not a valid choice" in text(response)
    assert reload(order).status == "paid"


def test_the_customer_order_page_shows_the_tracking_link(
    paid_order: OrderFactory, app: Flask, staff: FlaskClient
) -> None:
    order = paid_order(("TEE-M", 1))
    confirm(staff, f"/admin/orders/{order.number}/ship", {"carrier": "UPS", "tracking_number": "1Z 99"})

    page = text(app.test_client().get(f"/orders/{order.number}?t={access_token(order.number)}"))

    assert "with UPS" in page and 'href="https://www.ups.com/track?tracknum=1Z99"' in page


# --- cancelling -----------------------------------------------------------------------------------


def test_cancelling_a_paid_order_confirms_then_refunds_and_restocks(
    paid_order: OrderFactory, admin: FlaskClient
) -> None:
    order = paid_order(("HOODIE-M", 2))
    url = f"/admin/orders/{order.number}/cancel"

    first, second = confirm(admin, url, {"reason": "Customer changed their mind"})

    assert first.status_code == 200
    assert (
        "Refund in full" in text(first)
        and "$143.95" in text(first)
        and "Yes, cancel and refund" in text(first)
    )
    assert second.status_code == 303
    order = reload(order)
    assert (order.status, order.refunded_cents) == ("cancelled", order.total_cents)
    assert stock_of("HOODIE-M") == 10
    assert ("order.cancel", "bo@example.com", order.number) in audit_rows()


def test_cancelling_an_unpaid_order(pending_order: OrderFactory, admin: FlaskClient) -> None:
    order = pending_order(("MUG", 2))

    first, second = confirm(admin, f"/admin/orders/{order.number}/cancel", {"reason": ""})

    assert "Yes, cancel the order" in text(first) and "Refund in full" not in text(first)
    assert second.status_code == 303 and reload(order).status == "cancelled" and stock_of("MUG") == 3


def test_a_flagged_unpaid_order_warns_that_its_payment_needs_a_refund(
    pending_order: OrderFactory, admin: FlaskClient
) -> None:
    order = pending_order(("MUG", 1))
    order.payment_intent_id = "pi_mismatch"
    db.session.commit()
    flag_order(order, "Payment of $1.00 does not match")

    first = admin.post(f"/admin/orders/{order.number}/cancel", data={})

    assert "refund it in the payment provider" in text(first) and "pi_mismatch" in text(first)


def test_cancelling_a_shipped_order_is_refused(paid_order: OrderFactory, admin: FlaskClient) -> None:
    order = paid_order(("TEE-M", 1))
    management.mark_shipped(STAFF, order.id, carrier="UPS", tracking_number="1Z1")

    first, second = confirm(admin, f"/admin/orders/{order.number}/cancel", {})

    assert first.status_code == second.status_code == 409
    page = unescape(text(second))
    assert f"Order {order.number} has shipped, so it can't be cancelled. Refund it instead." in page
    assert reload(order).status == "fulfilled" and reload(order).refunded_cents == 0


def test_cancelling_a_delivered_digital_order_is_refused_without_saying_it_shipped(
    paid_order: OrderFactory, admin: FlaskClient
) -> None:
    order = paid_order(("GUIDE-WB", 1))
    assert reload(order).status == "fulfilled"

    first, second = confirm(admin, f"/admin/orders/{order.number}/cancel", {})

    assert first.status_code == second.status_code == 409
    page = unescape(text(second))
    assert f"Order {order.number} has been delivered, so it can't be cancelled. Refund it instead." in page
    assert "has shipped" not in page
    assert reload(order).status == "fulfilled" and reload(order).refunded_cents == 0


def test_a_payment_provider_failure_is_a_502_and_changes_nothing(
    paid_order: OrderFactory, app: Flask, admin: FlaskClient, monkeypatch
) -> None:
    order = paid_order(("TEE-M", 1))

    def refuse(**kwargs: object) -> None:
        raise PaymentError("The payment provider did not accept the refund. Nothing was refunded.")

    monkeypatch.setattr(app.extensions["payment_provider"], "refund", refuse)

    _, cancel = confirm(admin, f"/admin/orders/{order.number}/cancel", {})
    _, refund = confirm(admin, f"/admin/orders/{order.number}/refund", {"amount": "5"})

    assert cancel.status_code == refund.status_code == 502
    assert "Nothing was refunded" in text(refund)
    assert (reload(order).status, reload(order).refunded_cents, stock_of("TEE-M")) == ("paid", 0, 19)


# --- refunds --------------------------------------------------------------------------------------


def test_a_partial_refund_confirms_then_shows_on_the_timeline(
    paid_order: OrderFactory, admin: FlaskClient
) -> None:
    order = paid_order(("HOODIE-M", 1))  # $75.95
    url = f"/admin/orders/{order.number}/refund"

    form_page = text(admin.get(f"/admin/orders/{order.number}"))
    first, second = confirm(admin, url, {"amount": "$12.50", "reason": "Late"})

    assert 'name="amount" type="text" value="75.95"' in form_page or 'value="75.95"' in form_page
    assert first.status_code == 200 and "Refund $12.50 on order" in text(first)
    assert "$63.45" in text(first)  # left after it
    assert second.status_code == 303
    assert (reload(order).status, reload(order).refunded_cents) == ("partially_refunded", 1_250)
    page = text(admin.get(f"/admin/orders/{order.number}"))
    assert "Refunded $12.50" in page and "Late" in page and "Paid → Partly refunded" in page
    assert "Up to $63.45 is left to refund" in page


def test_a_double_submitted_refund_confirmation_refunds_once(
    paid_order: OrderFactory, admin: FlaskClient
) -> None:
    order = paid_order(("HOODIE-M", 1))
    url = f"/admin/orders/{order.number}/refund"
    review = admin.post(url, data={"amount": "5"})
    held = {k: v for k, v in hidden_fields(text(review)).items() if k != "csrf_token"}
    assert held["refunded_before"] == "0"

    first = admin.post(url, data=held)
    second = admin.post(url, data=held)

    assert first.status_code == 303 and second.status_code == 409
    assert "nothing more was refunded" in text(second) and "$5.00 refunded in all" in text(second)
    assert reload(order).refunded_cents == 500
    assert [row[0] for row in audit_rows()] == ["order.refund"]


def test_a_confirmed_refund_without_the_reviewed_state_is_refused(
    paid_order: OrderFactory, admin: FlaskClient
) -> None:
    order = paid_order(("HOODIE-M", 1))

    response = admin.post(f"/admin/orders/{order.number}/refund", data={"amount": "5", "confirmed": "yes"})

    assert response.status_code == 400 and "Review the refund first" in text(response)
    assert reload(order).refunded_cents == 0


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "more than $0.00"),
        ("0.00", "more than $0.00"),
        ("-5", "Enter an amount like 68 or 68.50"),
        ("abc", "Enter an amount like 68 or 68.50"),
        ("12.345", "Enter an amount like 68 or 68.50"),
        ("", "Enter the amount to refund"),
        ("39.96", "At most $39.95 is left to refund"),
        ("1e3", "Enter an amount like 68 or 68.50"),
    ],
)
def test_bad_refund_amounts_are_a_400_and_nothing_changes(
    paid_order: OrderFactory, admin: FlaskClient, amount: str, message: str
) -> None:
    order = paid_order(("TEE-M", 1))  # $39.95

    first, second = confirm(admin, f"/admin/orders/{order.number}/refund", {"amount": amount})

    assert first.status_code == second.status_code == 400
    assert message in text(second)
    assert (reload(order).status, reload(order).refunded_cents) == ("paid", 0)
    assert audit_rows() == []


@pytest.mark.parametrize("case", ["unpaid", "cancelled", "refunded"])
def test_refunding_an_order_with_nothing_to_refund_is_refused(
    paid_order: OrderFactory, pending_order: OrderFactory, admin: FlaskClient, case: str
) -> None:
    order = order_with_nothing_to_refund(case, pending_order, paid_order)
    before = (reload(order).status, reload(order).refunded_cents)

    _, second = confirm(admin, f"/admin/orders/{order.number}/refund", {"amount": "1"})

    assert second.status_code == 409 and "nothing to refund" in text(second)
    assert (reload(order).status, reload(order).refunded_cents) == before


# --- resend, notes, flags -------------------------------------------------------------------------


def test_resending_the_confirmation_sends_fresh_links(
    paid_order: OrderFactory, app: Flask, staff: FlaskClient
) -> None:
    order = paid_order(("GUIDE-WB", 1))
    sent_before = len(outbox(app))

    first, second = confirm(staff, f"/admin/orders/{order.number}/resend", {})

    assert "Fresh download links for" in text(first) and "90-Day Workbook" in text(first)
    assert second.status_code == 303
    [email] = outbox(app)[sent_before:]
    assert email.subject == f"Your order {order.number} is confirmed" and "/downloads/" in email.body
    assert "with 1 fresh download link" in text(staff.get(f"/admin/orders/{order.number}"))


def test_resending_for_an_unpaid_order_is_refused(
    pending_order: OrderFactory, app: Flask, staff: FlaskClient
) -> None:
    order = pending_order(("GUIDE-WB", 1))

    _, second = confirm(staff, f"/admin/orders/{order.number}/resend", {})

    assert second.status_code == 409 and outbox(app) == []


def test_notes_are_escaped_and_never_shown_to_the_customer(
    paid_order: OrderFactory, app: Flask, staff: FlaskClient
) -> None:
    order = paid_order(("TEE-M", 1))

    response = staff.post(f"/admin/orders/{order.number}/notes", data={"text": f"Check {MARKUP}\nthen ship"})

    assert response.status_code == 303
    admin_page = text(staff.get(f"/admin/orders/{order.number}"))
    customer_page = text(app.test_client().get(f"/orders/{order.number}?t={access_token(order.number)}"))
    assert (
        MARKUP not in admin_page
        and "Check &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;\nthen ship" in admin_page
    )
    assert "Check" not in customer_page and "then ship" not in customer_page
    assert ("order.note", "bo@example.com", order.number) in audit_rows()


@pytest.mark.parametrize("note", ["", "   ", "x" * 2_001])
def test_empty_or_huge_notes_are_a_400(paid_order: OrderFactory, staff: FlaskClient, note: str) -> None:
    order = paid_order(("TEE-M", 1))
    events = len(timeline(order))

    response = staff.post(f"/admin/orders/{order.number}/notes", data={"text": note})

    assert response.status_code == 400 and len(timeline(order)) == events
    assert "Write the note first." in text(response) or "under 2,000 characters" in text(response)


def test_clearing_a_flag_needs_a_resolution(paid_order: OrderFactory, admin: FlaskClient) -> None:
    order = flag_order(paid_order(("TEE-M", 1)), "Automatic refund failed")

    empty = admin.post(f"/admin/orders/{order.number}/clear-flag", data={"resolution": " "})
    cleared = admin.post(
        f"/admin/orders/{order.number}/clear-flag", data={"resolution": "Refunded in Stripe"}
    )
    again = admin.post(f"/admin/orders/{order.number}/clear-flag", data={"resolution": "again"})

    assert empty.status_code == 400 and "Say how the problem was resolved" in text(empty)
    assert cleared.status_code == 303 and reload(order).needs_attention is False
    assert again.status_code == 409 and "no flag to clear" in text(again)
    page = text(admin.get(f"/admin/orders/{order.number}"))
    assert "Flag cleared" in page and "Refunded in Stripe" in page and "Automatic refund failed" in page


def test_the_audit_log_links_to_the_order(paid_order: OrderFactory, admin: FlaskClient) -> None:
    order = paid_order(("TEE-M", 1))
    admin.post(f"/admin/orders/{order.number}/notes", data={"text": "Hello"})

    page = text(admin.get("/admin/audit"))

    assert f'href="/admin/orders/{order.number}">order {order.number}</a>' in page


# --- access and CSRF ------------------------------------------------------------------------------


def test_customers_and_anonymous_visitors_cannot_touch_orders(
    shop: dict, paid_order: OrderFactory, app: Flask
) -> None:
    order = paid_order(("TEE-M", 1))
    customer = client_as(app, Role.CUSTOMER, email="ana@example.com")  # the order's own buyer
    anonymous = app.test_client()

    for client, status in ((customer, 403), (anonymous, 302)):
        assert client.get(f"/admin/orders/{order.number}").status_code == status
        assert client.get("/admin/orders.csv").status_code == status
        response = client.post(
            f"/admin/orders/{order.number}/refund", data={"amount": "39.95", "confirmed": "yes"}
        )
        assert response.status_code == status
    assert reload(order).refunded_cents == 0


def test_staff_cannot_refund_cancel_clear_a_flag_or_export(
    paid_order: OrderFactory, staff: FlaskClient
) -> None:
    order = flag_order(paid_order(("TEE-M", 1)), "Payment of $1.00 does not match the order total of $39.95.")
    number = order.number

    responses = [
        staff.post(f"/admin/orders/{number}/refund", data={"amount": "39.95", "confirmed": "yes"}),
        staff.post(f"/admin/orders/{number}/cancel", data={"confirmed": "yes"}),
        staff.post(f"/admin/orders/{number}/clear-flag", data={"resolution": "Looks fine"}),
        staff.get("/admin/orders.csv"),
    ]

    for response in responses:
        assert response.status_code == 403
        assert "Only an admin of the shop can do that." in text(response)
    order = reload(order)
    assert (order.status, order.refunded_cents, order.needs_attention) == ("paid", 0, True)
    assert audit_rows() == []


def test_staff_see_no_buttons_for_what_only_admins_may_do(
    paid_order: OrderFactory, staff: FlaskClient
) -> None:
    order = flag_order(paid_order(("HOODIE-M", 1), ("GUIDE-WB", 1)), "Payment of $1.00 does not match.")

    page = text(staff.get(f"/admin/orders/{order.number}"))
    orders_page = text(staff.get("/admin/orders"))

    for hidden_action in ("refund", "cancel", "clear-flag"):
        assert f"/admin/orders/{order.number}/{hidden_action}" not in page
    assert "<summary>Resend the confirmation and download links</summary>" in page
    assert "<summary>Add an internal note</summary>" in page
    assert "An admin clears the flag" in page
    assert "Refunds and cancellations are done by an admin" in page
    assert "/admin/orders.csv" not in orders_page


ACTIONS = {
    "ship": {"carrier": "UPS", "tracking_number": "1Z1"},
    "cancel": {},
    "refund": {"amount": "5"},
    "resend": {},
    "notes": {"text": "hello"},
    "clear-flag": {"resolution": "done"},
}


def test_every_order_action_needs_the_csrf_token(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        make_shop()
        order = flag_order(make_paid_order(("TEE-M", 1), provider="dev"), "check")
        make_user(email="bo@example.com", role=Role.ADMIN)  # may take every action
        number = order.number
    client = csrf_app.test_client()
    log_in_with_csrf(client, "bo@example.com")

    for action, data in ACTIONS.items():
        response = client.post(f"/admin/orders/{number}/{action}", data={**data, "confirmed": "yes"})
        assert response.status_code == 400, action
        assert "This form has expired" in text(response)

    with csrf_app.app_context():
        order = db.session.scalar(sa.select(Order).where(Order.number == number))
        assert (order.status, order.refunded_cents, order.needs_attention) == ("paid", 0, True)
        assert len(order.events) == 3  # created, paid, flagged

    # and with the token from the order page, the same post goes through
    page = text(client.get(f"/admin/orders/{number}"))
    token = hidden(page, "csrf_token")
    response = client.post(f"/admin/orders/{number}/notes", data={"text": "hello", "csrf_token": token})
    assert response.status_code == 303


# --- the dashboard --------------------------------------------------------------------------------


def test_the_dashboard_shows_revenue_orders_to_ship_and_leads(
    paid_order: OrderFactory, pending_order: OrderFactory, staff: FlaskClient
) -> None:
    to_ship = paid_order(("HOODIE-M", 1))
    guide = paid_order(("GUIDE-WB", 1), email="reader@example.com")
    staff_refunds.refund(STAFF, guide.id, amount_cents=400, keep_downloads=True)
    flagged = flag_order(pending_order(("MUG", 1)), "Payment of $1.00 does not match")

    page = text(staff.get("/admin/"))

    assert "Days are days in the shop's time zone, UTC" in page
    assert 'data-revenue="1">$90.95</span>' in page  # $75.95 + $19.00 - $4.00
    assert "2 paid orders, $4.00 refunded" in page
    assert (
        f'href="/admin/orders/{to_ship.number}"' in page
        and f'href="/admin/orders/{guide.number}"' not in page
    )
    assert "Orders waiting to ship (1)" in page and "Orders needing attention (1)" in page
    assert f'href="/admin/orders/{flagged.number}"' in page and "Payment of $1.00 does not match" in page
    assert "data-leads-week>0<" in page and "data-confirmation-rate>—<" in page
    # the range's figures below: 30 days by default, both orders were paid today
    assert "data-range-orders>2<" in page and "data-range-revenue>$90.95<" in page


def test_a_misspelt_carrier_setting_stops_the_app_at_start(make_app) -> None:
    with pytest.raises(
        RuntimeError, match="SHIPPING_CARRIERS must list some of USPS, UPS, FEDEX, DHL, OTHER"
    ):
        make_app(SHIPPING_CARRIERS=["UPS", "FEDX"])


def test_the_ship_form_offers_the_configured_carriers_in_order(make_app) -> None:
    app = make_app(SHIPPING_CARRIERS=["DHL", "OTHER"])
    with app.app_context():
        make_shop()
        order = make_paid_order(("TEE-M", 1), provider="dev")
        staff = client_as(app, Role.STAFF)

        page = text(staff.get(f"/admin/orders/{order.number}"))

    carrier_select = page.split('id="ship-carrier"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\w+)">', carrier_select) == ["DHL", "OTHER"]
