"""Staff use cases on orders (shop/orders/staff_actions.py): ship, cancel, refund, resend, notes, flags,
each on the timeline with the staff member and in the audit log; refused actions change nothing."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from shop.clock import utcnow
from shop.downloads.models import DownloadGrant
from shop.extensions import db
from shop.orders import staff_actions as management
from shop.orders.errors import RefundError, UnknownOrderError
from shop.orders.lookups import get_order_by_number
from shop.orders.models import Order
from shop.orders.staff_actions import OrderActionError, OrderFilter
from shop.payments import staff_refunds
from shop.payments.errors import PaymentError
from tests.admin.order_helpers import (
    STAFF,
    audit_rows,
    flag_order,
    order_with_nothing_to_refund,
    queued_emails,
    timeline,
)
from tests.factories import stock_of
from tests.fixtures import OrderFactory
from tests.order_factory import reload


@pytest.fixture
def payment_provider() -> str:
    """Staff refunds run through the development payment provider, offline."""
    return "dev"


def grants(order: Order) -> list[DownloadGrant]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(DownloadGrant).where(DownloadGrant.order_id == order.id).order_by(DownloadGrant.id)
        )
    )


# --- shipping -------------------------------------------------------------------------------------


def test_shipping_fulfils_the_order_emails_the_tracking_link_and_is_audited(
    paid_order: OrderFactory, shop: dict
) -> None:
    # given a paid order of a hoodie and a guide
    order = paid_order(("HOODIE-M", 1), ("GUIDE-WB", 1))

    # when staff mark it shipped with UPS
    management.mark_shipped(STAFF, order.id, carrier="UPS", tracking_number=" 1z999aa1 0123456784 ")

    # then it is fulfilled with the shipment recorded
    order = reload(order)
    assert order.status == "fulfilled"
    assert (order.shipping_carrier, order.tracking_number) == ("UPS", "1Z999AA1 0123456784")
    assert order.shipped_at is not None and order.fulfilled_at == order.shipped_at
    # and the timeline says who did it
    kind, actor, note = timeline(order)[-1]
    assert (kind, actor) == ("status", "staff:bo@example.com")
    assert "UPS" in note and "1Z999AA1 0123456784" in note
    # and the customer is emailed the tracking link (text and HTML), in the same transaction
    [email] = queued_emails("ana@example.com", "order_shipped")
    link = "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert email.subject == f"Your order {order.number} has shipped"
    assert link in email.text_body and link in email.html_body
    assert "Spore Print Hoodie (M)" in email.text_body and "90-Day Workbook" not in email.text_body
    assert f"/orders/{order.number}?t=" in email.text_body
    # and the audit log has it
    assert audit_rows() == [("order.ship", "bo@example.com", order.number)]


def test_an_other_carrier_email_gives_the_number_without_a_link(paid_order: OrderFactory, shop: dict) -> None:
    order = paid_order(("TEE-M", 1))

    management.mark_shipped(STAFF, order.id, carrier="OTHER", tracking_number="LOCAL-42")

    [email] = queued_emails("ana@example.com", "order_shipped")
    assert "LOCAL-42" in email.text_body and "Other carrier" in email.text_body
    assert "http" not in email.text_body.split("Your order, any time")[0]


@pytest.mark.parametrize(
    "tracking_number",
    ["", "   ", "<script>alert(1)</script>", "1Z<b>9</b>", "A" * 65, "line\nbreak", "tab\there", "-"],
)
def test_a_bad_tracking_number_is_refused_and_nothing_changes(
    paid_order: OrderFactory, shop: dict, tracking_number: str
) -> None:
    order = paid_order(("TEE-M", 1))

    with pytest.raises(OrderActionError) as refused:
        management.mark_shipped(STAFF, order.id, carrier="UPS", tracking_number=tracking_number)

    assert refused.value.status_code == 400
    order = reload(order)
    assert (order.status, order.shipped_at, order.tracking_number) == ("paid", None, None)
    assert queued_emails("ana@example.com", "order_shipped") == []
    assert audit_rows() == []


def test_an_unknown_or_unconfigured_carrier_is_refused(
    paid_order: OrderFactory, app: Flask, shop: dict
) -> None:
    order = paid_order(("TEE-M", 1))
    app.config["SHIPPING_CARRIERS"] = ["USPS", "OTHER"]

    for carrier in ("UPS", "ROCKET", ""):
        with pytest.raises(OrderActionError):
            management.mark_shipped(STAFF, order.id, carrier=carrier, tracking_number="123")

    assert reload(order).status == "paid"


@pytest.mark.parametrize("case", ["pending", "digital only", "already shipped", "flagged", "cancelled"])
def test_orders_that_cannot_ship_are_refused(
    paid_order: OrderFactory, pending_order: OrderFactory, shop: dict, case: str
) -> None:
    if case == "pending":
        order = pending_order(("TEE-M", 1))
    elif case == "digital only":
        order = paid_order(("GUIDE-WB", 1))
    elif case == "flagged":
        order = flag_order(paid_order(("TEE-M", 1)), "Automatic refund failed, refund by hand.")
    else:
        order = paid_order(("TEE-M", 1))
        if case == "already shipped":
            management.mark_shipped(STAFF, order.id, carrier="USPS", tracking_number="9400")
        else:
            staff_refunds.cancel_order(STAFF, order.id)
    before = (reload(order).status, len(timeline(order)), len(audit_rows()))

    with pytest.raises(OrderActionError) as refused:
        management.mark_shipped(STAFF, order.id, carrier="UPS", tracking_number="1Z1")

    assert refused.value.status_code == 409
    assert (reload(order).status, len(timeline(order)), len(audit_rows())) == before


def test_a_partly_refunded_order_can_still_ship_and_keeps_its_refund_status(
    paid_order: OrderFactory, shop: dict
) -> None:
    # given a goodwill refund before the parcel went out
    order = paid_order(("HOODIE-M", 1))
    staff_refunds.refund(STAFF, order.id, amount_cents=500, reason="Late dispatch")

    # when staff ship it
    management.mark_shipped(STAFF, order.id, carrier="DHL", tracking_number="JD0146")

    # then it keeps its money status, and the shipment is recorded on the timeline
    order = reload(order)
    assert order.status == "partially_refunded" and order.shipped_at is not None
    assert timeline(order)[-1][0] == "shipped"
    assert len(queued_emails("ana@example.com", "order_shipped")) == 1
    assert not management.available_actions(order).ship


# --- cancelling -----------------------------------------------------------------------------------


def test_cancelling_an_unpaid_order_returns_its_stock(pending_order: OrderFactory, shop: dict) -> None:
    order = pending_order(("HOODIE-M", 2))
    assert stock_of("HOODIE-M") == 8

    staff_refunds.cancel_order(STAFF, order.id, reason="Customer called: ordered twice.")

    order = reload(order)
    assert order.status == "cancelled" and stock_of("HOODIE-M") == 10
    status_event = next(event for event in timeline(order) if event[0] == "status")
    assert status_event[1] == "staff:bo@example.com" and "ordered twice" in status_event[2]
    assert audit_rows() == [("order.cancel", "bo@example.com", order.number)]


def test_cancelling_an_unpaid_order_closes_its_payment_page_first(
    pending_order: OrderFactory, app: Flask, shop: dict, monkeypatch
) -> None:
    order = pending_order(("TEE-M", 1))
    closed: list[str] = []
    provider = app.extensions["payment_provider"]

    def expire(session_id: str) -> bool:
        closed.append(session_id)
        return True

    monkeypatch.setattr(provider, "expire_session", expire)

    staff_refunds.cancel_order(STAFF, order.id)

    assert closed == [order.payment_session_id]


def test_an_unpaid_order_whose_payment_page_cannot_be_closed_is_not_cancelled(
    pending_order: OrderFactory, app: Flask, shop: dict, monkeypatch
) -> None:
    # given a payment page that can no longer be closed because the customer has just paid
    order = pending_order(("TEE-M", 1))
    provider = app.extensions["payment_provider"]
    monkeypatch.setattr(provider, "expire_session", lambda session_id: False)

    with pytest.raises(OrderActionError) as refused:
        staff_refunds.cancel_order(STAFF, order.id)

    assert refused.value.status_code == 409 and "may have just paid" in refused.value.message
    assert reload(order).status == "pending_payment" and stock_of("TEE-M") == 19
    assert audit_rows() == []


def test_a_flagged_unpaid_order_is_cancelled_without_touching_its_payment(
    pending_order: OrderFactory, app: Flask, shop: dict, monkeypatch
) -> None:
    # given an order whose payment did not match (the session is complete, so it cannot be expired)
    order = flag_order(pending_order(("TEE-M", 1)), "Payment of $1.00 does not match the order total.")
    monkeypatch.setattr(
        app.extensions["payment_provider"], "expire_session", lambda session_id: pytest.fail("not called")
    )

    staff_refunds.cancel_order(STAFF, order.id, reason="Refunded the $1.00 in Stripe.")

    assert reload(order).status == "cancelled" and stock_of("TEE-M") == 20


def test_cancelling_a_paid_order_refunds_in_full_restocks_and_revokes(
    paid_order: OrderFactory, shop: dict
) -> None:
    order = paid_order(("HOODIE-M", 1), ("GUIDE-WB", 1))

    staff_refunds.cancel_order(STAFF, order.id, reason="Out of stock at the warehouse")

    order = reload(order)
    assert order.status == "cancelled" and order.refunded_cents == order.total_cents
    assert stock_of("HOODIE-M") == 10
    assert all(grant.revoked_at is not None for grant in grants(order))
    assert audit_rows() == [("order.cancel", "bo@example.com", order.number)]
    assert any("Out of stock at the warehouse" in note for _, _, note in timeline(order))


@pytest.mark.parametrize("case", ["shipped", "partly refunded", "refunded", "expired"])
def test_orders_that_cannot_be_cancelled_are_refused(
    paid_order: OrderFactory, pending_order: OrderFactory, shop: dict, case: str
) -> None:
    order = paid_order(("TEE-M", 1))
    if case == "shipped":
        management.mark_shipped(STAFF, order.id, carrier="USPS", tracking_number="9400")
    elif case == "partly refunded":
        staff_refunds.refund(STAFF, order.id, amount_cents=100)
    elif case == "refunded":
        staff_refunds.refund(STAFF, order.id, amount_cents=order.total_cents)
    else:
        order = pending_order(("MUG", 1))
        staff_refunds.cancel_order(STAFF, order.id)  # cancelled is final too
    before = (reload(order).status, reload(order).refunded_cents, stock_of("TEE-M"), len(audit_rows()))

    with pytest.raises(OrderActionError) as refused:
        staff_refunds.cancel_order(STAFF, order.id)

    assert refused.value.status_code == 409
    after = (reload(order).status, reload(order).refunded_cents, stock_of("TEE-M"), len(audit_rows()))
    assert after == before
    if case == "shipped":
        assert "Refund it instead" in refused.value.message


def test_unknown_orders_are_refused(shop: dict) -> None:
    for action in (
        lambda: staff_refunds.cancel_order(STAFF, 999_999),
        lambda: staff_refunds.refund(STAFF, 999_999, amount_cents=100),
        lambda: management.mark_shipped(STAFF, 999_999, carrier="UPS", tracking_number="1"),
        lambda: management.resend_confirmation(STAFF, 999_999),
        lambda: management.add_note(STAFF, 999_999, "hello"),
        lambda: management.clear_flag(STAFF, 999_999, resolution="done"),
    ):
        with pytest.raises(UnknownOrderError):
            action()


# --- refunds --------------------------------------------------------------------------------------


def test_a_partial_refund_keeps_the_links_when_asked_and_a_full_one_revokes_them(
    paid_order: OrderFactory, shop: dict
) -> None:
    order = paid_order(("TEE-M", 1), ("GUIDE-WB", 1))  # $32 + $19 + $7.95 shipping = $58.95

    staff_refunds.refund(
        STAFF, order.id, amount_cents=1_250, reason="Tee arrived creased", keep_downloads=True
    )

    order = reload(order)
    assert (order.status, order.refunded_cents) == ("partially_refunded", 1_250)
    assert all(grant.revoked_at is None for grant in grants(order))
    kind, actor, note = timeline(order)[-1]
    assert actor == "staff:bo@example.com" and "Refunded $12.50" in note and "Tee arrived creased" in note

    staff_refunds.refund(STAFF, order.id, amount_cents=5_895 - 1_250, keep_downloads=True)

    order = reload(order)
    assert (order.status, order.refunded_cents) == ("refunded", 5_895)
    assert all(grant.revoked_at is not None for grant in grants(order))
    assert [row[0] for row in audit_rows()] == ["order.refund", "order.refund"]


def test_a_refund_reviewed_before_another_landed_is_refused(paid_order: OrderFactory, shop: dict) -> None:
    order = paid_order(("HOODIE-M", 1))
    staff_refunds.refund(STAFF, order.id, amount_cents=500, expected_refunded_cents=0)

    with pytest.raises(RefundError, match="nothing more was refunded"):
        staff_refunds.refund(STAFF, order.id, amount_cents=500, expected_refunded_cents=0)

    assert reload(order).refunded_cents == 500
    assert len(audit_rows()) == 1


def test_a_partial_refund_revokes_the_links_by_default(paid_order: OrderFactory, shop: dict) -> None:
    order = paid_order(("GUIDE-WB", 1))

    staff_refunds.refund(STAFF, order.id, amount_cents=100)

    assert all(grant.revoked_at is not None for grant in grants(order))


@pytest.mark.parametrize(
    ("amount", "message"), [(0, "more than $0.00"), (-500, "more than $0.00"), (3_996, "At most $39.95")]
)
def test_a_refund_outside_what_is_left_is_a_400_and_changes_nothing(
    paid_order: OrderFactory, shop: dict, amount: int, message: str
) -> None:
    order = paid_order(("TEE-M", 1))  # $39.95

    with pytest.raises(OrderActionError) as refused:
        staff_refunds.refund(STAFF, order.id, amount_cents=amount)

    assert refused.value.status_code == 400 and message in refused.value.message
    assert (reload(order).status, reload(order).refunded_cents) == ("paid", 0)
    assert audit_rows() == []


@pytest.mark.parametrize("case", ["unpaid", "cancelled", "refunded"])
def test_orders_with_nothing_to_refund_are_refused(
    paid_order: OrderFactory, pending_order: OrderFactory, shop: dict, case: str
) -> None:
    order = order_with_nothing_to_refund(case, pending_order, paid_order)
    audits = len(audit_rows())

    with pytest.raises(OrderActionError) as refused:
        staff_refunds.refund(STAFF, order.id, amount_cents=100)

    assert refused.value.status_code == 409 and "nothing to refund" in refused.value.message
    assert len(audit_rows()) == audits


def test_a_provider_failure_refunds_and_audits_nothing(
    paid_order: OrderFactory, app: Flask, shop: dict, monkeypatch
) -> None:
    order = paid_order(("TEE-M", 1))

    def refuse(**kwargs: object) -> None:
        raise PaymentError("The payment provider did not accept the refund.")

    monkeypatch.setattr(app.extensions["payment_provider"], "refund", refuse)

    with pytest.raises(PaymentError):
        staff_refunds.refund(STAFF, order.id, amount_cents=500)
    with pytest.raises(PaymentError):
        staff_refunds.cancel_order(STAFF, order.id)

    assert (reload(order).status, reload(order).refunded_cents) == ("paid", 0)
    assert stock_of("TEE-M") == 19
    assert audit_rows() == []


# --- resend, notes, flags -------------------------------------------------------------------------


def test_resending_the_confirmation_issues_fresh_links(paid_order: OrderFactory, shop: dict) -> None:
    order = paid_order(("GUIDE-WB", 1), ("TEE-M", 1))
    first_grants = grants(order)

    links = management.resend_confirmation(STAFF, order.id)

    assert links == 1
    all_grants = grants(order)
    assert len(all_grants) == 2 and all(grant.revoked_at is None for grant in all_grants)
    confirmations = queued_emails("ana@example.com", "order_confirmation")
    assert len(confirmations) == 2 and "/downloads/" in confirmations[-1].text_body
    assert all_grants[-1].token_hash != first_grants[0].token_hash
    kind, actor, note = timeline(order)[-1]
    assert (kind, actor) == ("email", "staff:bo@example.com") and "1 fresh download link" in note
    assert audit_rows() == [("order.resend", "bo@example.com", order.number)]


@pytest.mark.parametrize("case", ["unpaid", "refunded", "cancelled"])
def test_the_confirmation_is_only_resent_for_paid_orders(
    paid_order: OrderFactory, pending_order: OrderFactory, shop: dict, case: str
) -> None:
    order = pending_order(("GUIDE-WB", 1)) if case == "unpaid" else paid_order(("GUIDE-WB", 1))
    if case == "refunded":
        staff_refunds.refund(STAFF, order.id, amount_cents=order.total_cents)
    elif case == "cancelled":
        order = pending_order(("TEE-M", 1))
        staff_refunds.cancel_order(STAFF, order.id)
    emails = len(queued_emails("ana@example.com", "order_confirmation"))

    with pytest.raises(OrderActionError):
        management.resend_confirmation(STAFF, order.id)

    assert len(queued_emails("ana@example.com", "order_confirmation")) == emails


def test_notes_are_stored_as_typed_and_audited(paid_order: OrderFactory, shop: dict) -> None:
    order = paid_order(("TEE-M", 1))

    management.add_note(STAFF, order.id, "  Called back.\r\nWill <b>ship</b> Monday.\x00  ")

    kind, actor, note = timeline(order)[-1]
    assert (kind, actor, note) == ("note", "staff:bo@example.com", "Called back.\nWill <b>ship</b> Monday.")
    assert audit_rows() == [("order.note", "bo@example.com", order.number)]


@pytest.mark.parametrize("text", ["", "   \n ", "\x00\x01", "x" * 2_001])
def test_empty_or_huge_notes_are_refused(paid_order: OrderFactory, shop: dict, text: str) -> None:
    order = paid_order(("TEE-M", 1))
    events = len(timeline(order))

    with pytest.raises(OrderActionError) as refused:
        management.add_note(STAFF, order.id, text)

    assert refused.value.status_code == 400 and len(timeline(order)) == events


def test_clearing_a_flag_keeps_the_reason_on_the_timeline_and_lets_the_order_ship(
    paid_order: OrderFactory, shop: dict
) -> None:
    order = flag_order(paid_order(("TEE-M", 1)), "Automatic refund failed, refund by hand.")
    assert not management.available_actions(order).ship

    management.clear_flag(STAFF, order.id, resolution="Stock found; customer wants it.")

    order = reload(order)
    assert order.needs_attention is False and order.attention_reason is None
    kind, actor, note = timeline(order)[-1]
    assert (kind, actor) == ("flag_cleared", "staff:bo@example.com")
    assert "Stock found" in note and "Automatic refund failed" in note
    assert management.available_actions(order).ship
    with pytest.raises(OrderActionError):
        management.clear_flag(STAFF, order.id, resolution="again")
    assert [row[0] for row in audit_rows()] == ["order.clear_flag"]


# --- what is offered ------------------------------------------------------------------------------


def test_available_actions_follow_the_order(
    paid_order: OrderFactory, pending_order: OrderFactory, shop: dict
) -> None:
    unpaid = management.available_actions(pending_order(("TEE-M", 1)))
    paid_tee = management.available_actions(paid_order(("TEE-M", 1)))
    guide = management.available_actions(paid_order(("GUIDE-WB", 1)))

    assert (unpaid.ship, unpaid.cancel, unpaid.refund, unpaid.resend) == (False, True, False, False)
    assert (paid_tee.ship, paid_tee.cancel, paid_tee.refund, paid_tee.resend) == (True, True, True, True)
    assert paid_tee.cancel_refunds_cents == paid_tee.refundable_cents == 3_995
    assert (guide.ship, guide.cancel, guide.refund, guide.resend) == (False, False, True, True)


# --- finding orders -------------------------------------------------------------------------------


def numbers(order_filter: OrderFilter) -> list[str]:
    orders, total = management.list_orders_for_staff(order_filter, page=1, page_size=100)
    assert total == len(orders)
    return [order.number for order in orders]


def test_the_list_filters_by_status_search_and_date(
    paid_order: OrderFactory, pending_order: OrderFactory, shop: dict
) -> None:
    # given orders from different people on different days
    old = paid_order(("TEE-M", 1), email="old_friend@example.com")
    old.created_at = utcnow() - timedelta(days=10)
    db.session.commit()
    waiting = paid_order(("MUG", 1), email="Percent%Person@Example.com")
    unpaid = pending_order(("HOODIE-M", 1), email="x_y@example.com")
    digital = paid_order(("GUIDE-WB", 1), email="reader@example.com")
    today = utcnow().date()

    # then each filter shows exactly its orders, newest first
    assert numbers(OrderFilter()) == [digital.number, unpaid.number, waiting.number, old.number]
    assert numbers(OrderFilter(status="pending_payment")) == [unpaid.number]
    assert numbers(OrderFilter(status="to_ship")) == [waiting.number, old.number]
    assert numbers(OrderFilter(status="fulfilled")) == [digital.number]
    assert numbers(OrderFilter(search="PERCENT%")) == [waiting.number]
    assert numbers(OrderFilter(search="x_y")) == [unpaid.number]
    assert numbers(OrderFilter(search="_")) == [unpaid.number, old.number]
    assert numbers(OrderFilter(search="%")) == [waiting.number]
    assert numbers(OrderFilter(search=digital.number.lower())) == [digital.number]
    assert numbers(OrderFilter(search=digital.number[3:])) == [digital.number]
    assert numbers(OrderFilter(created_from=today)) == [digital.number, unpaid.number, waiting.number]
    assert numbers(OrderFilter(created_to=today - timedelta(days=1))) == [old.number]
    ten_days_ago = today - timedelta(days=10)
    assert numbers(OrderFilter(created_from=ten_days_ago, created_to=ten_days_ago)) == [old.number]
    assert numbers(OrderFilter(created_from=date(2099, 1, 1))) == []


def test_the_list_pages_newest_first(pending_order: OrderFactory, shop: dict) -> None:
    orders = [pending_order(("MUG", 1)) for _ in range(3)]

    first, total = management.list_orders_for_staff(OrderFilter(), page=1, page_size=2)
    second, _ = management.list_orders_for_staff(OrderFilter(), page=2, page_size=2)

    assert total == 3
    assert [order.number for order in first + second] == [order.number for order in reversed(orders)]


def test_needs_attention_filter(pending_order: OrderFactory, shop: dict) -> None:
    flagged = flag_order(pending_order(("TEE-M", 1)), "Amount mismatch")
    pending_order(("MUG", 1))

    assert numbers(OrderFilter(status="needs_attention")) == [flagged.number]


def test_the_order_page_query_loads_lines_and_the_full_timeline(paid_order: OrderFactory, shop: dict) -> None:
    order = paid_order(("TEE-M", 1))
    management.add_note(STAFF, order.id, "Internal")

    found = get_order_by_number(order.number.lower())

    assert found is not None and found.id == order.id
    assert [event.kind for event in found.events][-1] == "note"
    assert get_order_by_number("GS-NOPE00") is None


def test_the_customer_email_cannot_inject_into_a_like_pattern(
    pending_order: OrderFactory, shop: dict
) -> None:
    pending_order(("TEE-M", 1), email="a@example.com")

    assert numbers(OrderFilter(search="\\")) == []
    assert numbers(OrderFilter(search="a%@")) == []
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 1
