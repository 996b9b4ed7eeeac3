"""Staff and discount codes: create, edit, pause, resume and end, form errors for impossible terms, the
audit log, and each code's uses, revenue and discount given (docs/rules.md#discounts rules 11-12)."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.audit.models import AuditEvent
from shop.catalog.models import Product
from shop.discounts.models import DiscountCode
from shop.extensions import db
from shop.orders.models import Order
from shop.orders.refunds import record_provider_refund
from shop.payments import staff_refunds
from tests.admin.order_helpers import STAFF
from tests.checkout_helpers import add, dev_pay, place
from tests.factories import make_code


def new_code(admin_client: FlaskClient, **fields: str):  # noqa: ANN201
    assert admin_client.get("/admin/discounts/new").status_code == 200
    data = {
        "code": "SUMMER-25",
        "kind": "percent",
        "value": "25",
        "scope": "all",
    }
    data.update(fields)
    return admin_client.post("/admin/discounts/new", data=data)


def codes() -> dict[str, DiscountCode]:
    db.session.expire_all()
    return {code.code: code for code in db.session.query(DiscountCode)}


def audit_actions() -> list[str]:
    return [event.action for event in db.session.query(AuditEvent).order_by(AuditEvent.id)]


def test_an_admin_creates_a_code_and_the_change_is_audited(
    admin_client: FlaskClient, shop: dict[str, Product]
) -> None:
    response = new_code(
        admin_client,
        code=" summer-25 ",
        value="12.5",
        scope="products",
        product_ids=str(shop["hoodie"].id),
        min_subtotal="50",
        usage_limit="100",
        once_per_customer="y",
        ends_at="2030-01-31T23:59",
    )

    assert response.status_code == 303
    code = codes()["SUMMER-25"]
    assert (code.percent_bp, code.scope, code.product_ids) == (1_250, "products", {shop["hoodie"].id})
    assert (code.min_subtotal_cents, code.usage_limit, code.once_per_customer) == (5_000, 100, True)
    assert code.ends_at.year == 2030
    assert audit_actions() == ["discount.create"]


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"value": "150"}, "at most 100%"),
        ({"value": "0"}, "more than 0%"),
        ({"value": "-10"}, "without a minus sign"),
        ({"kind": "amount", "value": "-5"}, "Enter an amount like 68"),
        ({"kind": "amount", "value": "0"}, "more than $0.00"),
        ({"value": "ten"}, "Enter a percentage like 10"),
        ({"code": "SUM MER"}, "no spaces"),
        ({"code": "SUMMĚR"}, "another alphabet"),
        ({"code": "X" * 10_000}, "Field cannot be longer than 64 characters"),
        ({"scope": "products"}, "Choose at least one product"),
        ({"usage_limit": "0"}, "at least 1"),
        ({"starts_at": "2030-02-01T00:00", "ends_at": "2030-01-01T00:00"}, "end must come after the start"),
        ({"min_subtotal": "-1"}, "Enter an amount like 68"),
    ],
)
def test_impossible_terms_are_form_errors(
    admin_client: FlaskClient, shop: dict[str, Product], fields: dict[str, str], says: str
) -> None:
    response = new_code(admin_client, **fields)

    assert response.status_code == 400
    assert says in response.get_data(as_text=True)
    assert codes() == {}


def test_a_taken_code_is_refused(admin_client: FlaskClient, shop: dict[str, Product]) -> None:
    make_code("SUMMER-25")

    response = new_code(admin_client, code="summer-25")

    assert response.status_code == 400
    assert "SUMMER-25 already exists" in response.get_data(as_text=True)


def test_edit_pause_resume_and_end_are_audited(admin_client: FlaskClient, shop: dict[str, Product]) -> None:
    code = make_code("SPORES10", scope="merchandise")
    page = admin_client.get(f"/admin/discounts/{code.id}").get_data(as_text=True)
    token = ""  # CSRF is off in the test app (tests/admin/test_access.py checks the admin's posts need it)
    assert 'value="10"' in page  # the percentage as staff typed it

    edited = admin_client.post(
        f"/admin/discounts/{code.id}",
        data={"csrf_token": token, "kind": "amount", "value": "5.00", "scope": "all"},
    )
    paused = admin_client.post(f"/admin/discounts/{code.id}/pause", data={"csrf_token": token})
    assert codes()["SPORES10"].paused
    resumed = admin_client.post(f"/admin/discounts/{code.id}/resume", data={"csrf_token": token})
    ended = admin_client.post(f"/admin/discounts/{code.id}/end", data={"csrf_token": token})

    assert [r.status_code for r in (edited, paused, resumed, ended)] == [303] * 4
    after = codes()["SPORES10"]
    assert (after.percent_bp, after.amount_cents, after.scope) == (None, 500, "all")
    assert not after.paused and after.ended_at is not None
    assert audit_actions() == ["discount.edit", "discount.pause", "discount.resume", "discount.end"]


def test_a_use_limit_below_the_uses_held_is_refused(
    admin_client: FlaskClient, shop: dict[str, Product]
) -> None:
    code = make_code("POPULAR", usage_limit=10, uses_count=4)
    token = ""

    response = admin_client.post(
        f"/admin/discounts/{code.id}",
        data={"csrf_token": token, "kind": "percent", "value": "10", "scope": "all", "usage_limit": "3"},
    )

    assert response.status_code == 400
    assert "already used 4 times" in response.get_data(as_text=True)


def test_staff_see_uses_revenue_and_discount_given_but_cannot_change_codes(
    app: Flask, staff_client: FlaskClient, shop: dict[str, Product]
) -> None:
    # given two paid orders with SPORES10, one of them refunded in part
    make_code("SPORES10", scope="merchandise")
    for _ in range(2):
        shopper = app.test_client()
        add(shopper, "TEE-M", 1)
        shopper.post("/cart/discount.json", json={"code": "SPORES10"})
        dev_pay(shopper, place(shopper).headers["Location"])
    first = db.session.query(DiscountCode).one()
    order = db.session.query(Order).order_by(Order.id).first()
    record_provider_refund(order.payment_intent_id, 1_000)

    # when staff open the list
    page = staff_client.get("/admin/discounts").get_data(as_text=True)

    # then the row shows 2 uses, 2 paid orders, (2 × $36.75) − $10.00 kept and 2 × $3.20 given
    row = page[page.index('data-code="SPORES10"') :].split("</tr>")[0]
    assert "<td>2</td>" in row
    assert "$63.50" in row and "$6.40" in row
    assert "New code" not in page and "/pause" not in page
    assert staff_client.post(f"/admin/discounts/{first.id}/end").status_code == 403


def test_the_admin_order_page_shows_each_lines_discount_and_what_was_paid_for_it(
    app: Flask, admin_client: FlaskClient, shop: dict[str, Product]
) -> None:
    make_code("SPORES10", scope="merchandise")
    shopper = app.test_client()
    add(shopper, "HOODIE-M", 1)
    add(shopper, "GUIDE-WB", 1)
    shopper.post("/cart/discount.json", json={"code": "SPORES10"})
    dev_pay(shopper, place(shopper).headers["Location"])
    order = db.session.query(Order).one()

    page = admin_client.get(f"/admin/orders/{order.number}").get_data(as_text=True)

    hoodie_row = page[page.index("Spore Print Hoodie (M)") :].split("</tr>")[0]
    assert "<td>$68.00</td>" in hoodie_row and "−$6.80" in hoodie_row
    assert "<td data-line-paid>$61.20</td>" in hoodie_row  # no tax on this order: the net is what was paid
    assert "Discount (SPORES10)" in page
    assert "Up to $88.15 is left to refund" in page  # 68 − 6.80 + 19 + 7.95 shipping: what was paid
    assert "Each unit gives back what was paid for it: its price after the discount, plus its tax." in page


def test_the_codes_page_and_the_sales_report_count_a_code_alike(
    app: Flask, admin_client: FlaskClient, shop: dict[str, Product]
) -> None:
    # given three orders with SPORES10: one paid, one paid then cancelled, one never paid
    make_code("SPORES10", scope="merchandise")
    for pay in (True, True, False):
        shopper = app.test_client()
        add(shopper, "TEE-M", 1)
        shopper.post("/cart/discount.json", json={"code": "SPORES10"})
        location = place(shopper).headers["Location"]
        if pay:
            dev_pay(shopper, location)
    orders = db.session.query(Order).order_by(Order.id).all()
    staff_refunds.cancel_order(STAFF, orders[1].id)

    # when staff read the codes page and the sales report's CSV of codes
    page = admin_client.get("/admin/discounts").get_data(as_text=True)
    report = admin_client.get("/admin/insights/discount_codes.csv?days=7").get_data(as_text=True)

    # then both count the one order that was paid and kept: $36.75 kept, $3.20 given
    row = page[page.index('data-code="SPORES10"') :].split("</tr>")[0]
    assert "$36.75" in row and "$3.20" in row
    code_row = next(line for line in report.splitlines() if line.startswith("SPORES10"))
    assert code_row.split(",")[1:] == ["1", "320", "3675"]
