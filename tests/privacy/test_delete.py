"""Deleting one's own account (docs/rules.md#your-data rules 4-11)."""

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop.accounts.models import Role, User
from shop.audit.models import AuditEvent
from shop.discounts.models import DiscountCode, DiscountRedemption
from shop.discounts.rules import has_active_use
from shop.downloads.models import DownloadEvent, DownloadGrant
from shop.emails.models import OutgoingEmail
from shop.extensions import db
from shop.guides.models import ConsentRecord, Lead
from shop.journal.comment_models import ArticleComment
from shop.journal.comment_privacy import FORMER_CUSTOMER
from shop.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from shop.privacy import services as privacy_services
from shop.privacy.errors import DataRequestError
from shop.privacy.services import placeholder_email
from tests.accounts.customers import make_customer
from tests.accounts.helpers import PASSWORD, log_in, log_in_with_csrf
from tests.admin.helpers import client_as
from tests.checkout_helpers import hidden
from tests.privacy.helpers import Customer, two_customers, two_customers_with_codes

pytestmark = pytest.mark.usefixtures("shop")

CONFIRMED = {"password": PASSWORD, "understood": "y"}


def logged_in(app: Flask, email: str = "ana@example.com") -> FlaskClient:
    client = app.test_client()
    assert log_in(client, email).status_code == 303
    return client


def delete(client: FlaskClient, **form: str):
    return client.post("/account/delete", data=form)


def snapshot(customer: Customer) -> dict:
    db.session.expire_all()
    return {
        "user": db.session.get(User, customer.user.id) is not None,
        "orders": [(o.email, o.user_id, o.ship_line1) for o in db.session.scalars(sa.select(Order))],
        "lead": db.session.get(Lead, customer.lead.id) is not None,
        "grants": [(g.email, g.revoked_at) for g in db.session.scalars(sa.select(DownloadGrant))],
        "comments": [(c.email, c.author_name) for c in db.session.scalars(sa.select(ArticleComment))],
        "audit": db.session.scalar(sa.select(sa.func.count(AuditEvent.id))),
    }


def test_the_page_explains_what_goes_and_what_stays(app: Flask) -> None:
    two_customers()

    page = logged_in(app).get("/account/delete")

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "What we keep" in text and "tax law" in text
    assert "Keep me on the newsletter" in text
    assert "no-store" in page.headers["Cache-Control"]


def test_the_account_page_links_to_the_export_and_the_deletion(app: Flask) -> None:
    two_customers()

    text = logged_in(app).get("/account/").get_data(as_text=True)

    assert 'href="/account/data.json"' in text
    assert 'href="/account/delete"' in text


def test_an_anonymous_visitor_is_sent_to_log_in(client: FlaskClient) -> None:
    response = client.post("/account/delete", data=CONFIRMED)

    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"password": "not my password", "understood": "y"},
            "That password is not right. Nothing was deleted.",
        ),
        ({"understood": "y"}, "Enter your password to confirm"),
        ({"password": PASSWORD}, "Tick the box to confirm"),
    ],
    ids=["wrong password", "no password", "box not ticked"],
)
def test_a_refused_deletion_says_why_and_changes_nothing(app: Flask, form: dict, message: str) -> None:
    ana, _ = two_customers()
    client = logged_in(app)
    before = snapshot(ana)

    response = delete(client, **form)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert snapshot(ana) == before
    assert client.get("/account/").status_code == 200  # still logged in


def test_deletion_needs_the_forms_csrf_token(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        ana_id = make_customer("ana@example.com").id
        client = csrf_app.test_client()
        log_in_with_csrf(client, "ana@example.com")

        refused = client.post("/account/delete", data=CONFIRMED)
        assert refused.status_code == 400
        assert db.session.get(User, ana_id) is not None

        token = hidden(client.get("/account/delete").get_data(as_text=True), "csrf_token")
        accepted = client.post("/account/delete", data={**CONFIRMED, "csrf_token": token})
        assert accepted.status_code == 303
        db.session.expire_all()
        assert db.session.get(User, ana_id) is None


def test_deleting_keeps_the_orders_lines_and_totals_without_the_person(app: Flask) -> None:
    ana, bo = two_customers()
    ana_id = ana.user.id
    db.session.add(
        OrderEvent(
            order_id=ana.orders[0].id,
            actor="staff:staff@example.com",
            kind="email",
            note="Confirmation email sent again to ana@example.com.",
        )
    )
    db.session.commit()
    totals = {
        o.number: (o.subtotal_cents, o.shipping_cents, o.total_cents, o.payment_intent_id) for o in ana.orders
    }
    lines = {
        o.number: [(line.sku, line.quantity, line.unit_price_cents) for line in o.lines] for o in ana.orders
    }

    response = delete(logged_in(app), **CONFIRMED)

    assert response.status_code == 303
    db.session.expire_all()
    placeholder = placeholder_email(ana_id)
    for number in totals:
        order = db.session.scalars(sa.select(Order).where(Order.number == number)).one()
        assert (
            order.subtotal_cents,
            order.shipping_cents,
            order.total_cents,
            order.payment_intent_id,
        ) == totals[number]
        assert [(line.sku, line.quantity, line.unit_price_cents) for line in order.lines] == lines[number]
        assert order.email == placeholder
        assert order.user_id is None
        assert (
            order.ship_name,
            order.ship_line1,
            order.ship_line2,
            order.ship_city,
            order.ship_postal_code,
        ) == (None,) * 5
        assert (order.ship_region, order.ship_country) == ("OR", "US")  # the place of supply, for tax
        assert "ana@example.com" not in " ".join(event.note for event in order.events)
    assert db.session.get(User, ana_id) is None
    # Bo's orders are untouched.
    assert {
        o.email for o in db.session.scalars(sa.select(Order).where(Order.id.in_([o.id for o in bo.orders])))
    } == {"bo@example.com"}


def test_the_placeholder_is_unique_per_account_and_undeliverable(app: Flask) -> None:
    assert placeholder_email(1) != placeholder_email(2)
    assert placeholder_email(1).endswith(".invalid")


def test_the_accounts_download_links_stop_working(app: Flask) -> None:
    ana, bo = two_customers()
    ana_id = ana.user.id
    db.session.expire_all()
    grant_ids = [
        g.id
        for g in db.session.scalars(
            sa.select(DownloadGrant).where(DownloadGrant.order_id == ana.orders[0].id)
        )
    ]

    delete(logged_in(app), **CONFIRMED)

    db.session.expire_all()
    grants = [db.session.get(DownloadGrant, grant_id) for grant_id in grant_ids]
    assert grants and all(grant.revoked_at is not None for grant in grants)
    assert all(grant.email == placeholder_email(ana_id) for grant in grants)
    assert db.session.scalar(sa.select(sa.func.count()).where(DownloadEvent.grant_id.in_(grant_ids))) == 0
    bo_grants = db.session.scalars(
        sa.select(DownloadGrant).where(DownloadGrant.order_id == bo.orders[0].id)
    ).all()
    assert all(grant.revoked_at is None for grant in bo_grants)


def test_the_lead_is_erased_unless_the_newsletter_is_kept(app: Flask) -> None:
    ana, bo = two_customers()
    lead_id = ana.lead.id

    delete(logged_in(app), **CONFIRMED)

    db.session.expire_all()
    assert db.session.get(Lead, lead_id) is None
    assert db.session.scalar(sa.select(sa.func.count()).where(ConsentRecord.lead_id == lead_id)) == 0
    assert db.session.get(Lead, bo.lead.id) is not None


def test_a_customer_who_keeps_the_newsletter_keeps_the_lead_unlinked(app: Flask) -> None:
    ana, _ = two_customers()
    lead_id = ana.lead.id

    delete(logged_in(app), **CONFIRMED, keep_newsletter="y")

    db.session.expire_all()
    lead = db.session.get(Lead, lead_id)
    assert lead is not None and lead.subscribed
    assert lead.user_id is None
    assert [record.given for record in lead.consents] == [True]


def test_comments_are_anonymised_when_shown_and_deleted_when_not(app: Flask) -> None:
    ana, bo = two_customers()
    ana_id = ana.user.id
    approved_id, pending_id = ana.approved.id, ana.pending.id

    delete(logged_in(app), **CONFIRMED)

    db.session.expire_all()
    approved = db.session.get(ArticleComment, approved_id)
    assert (approved.author_name, approved.email) == (FORMER_CUSTOMER, placeholder_email(ana_id))
    assert db.session.get(ArticleComment, pending_id) is None
    assert db.session.get(ArticleComment, bo.approved.id).email == "bo@example.com"


def test_every_session_of_the_account_ends(app: Flask) -> None:
    two_customers()
    phone = logged_in(app)
    laptop = app.test_client()
    assert log_in(laptop, "ana@example.com", remember="y").status_code == 303

    assert delete(phone, **CONFIRMED).status_code == 303

    for client in (phone, laptop):
        response = client.get("/account/")
        assert response.status_code == 302
        assert "/account/login" in response.headers["Location"]


def test_the_audit_log_records_the_deletion_without_the_address(app: Flask) -> None:
    ana, _ = two_customers()
    ana_id = ana.user.id

    delete(logged_in(app), **CONFIRMED)

    db.session.expire_all()
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "account.delete")).one()
    assert (event.target_type, event.target_id) == ("user", str(ana_id))
    assert "deleted" in event.summary
    recorded = f"{event.actor_email} {event.summary} {event.details}"
    assert "ana@example.com" not in recorded
    assert "@" not in recorded.replace(placeholder_email(ana_id), "")


def test_a_confirmation_goes_to_the_address_and_the_old_mail_log_goes(app: Flask) -> None:
    ana, _ = two_customers()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).where(OutgoingEmail.to_address == "ana@example.com"))

    # Keeping the newsletter keeps the lead, not the log of what was sent.
    delete(logged_in(app), **CONFIRMED, keep_newsletter="y")

    db.session.expire_all()
    emails = db.session.scalars(
        sa.select(OutgoingEmail).where(OutgoingEmail.to_address == "ana@example.com")
    ).all()
    assert [email.template for email in emails] == ["account_deleted"]
    assert "has been deleted" in emails[0].text_body


def test_the_second_customer_is_untouched(app: Flask) -> None:
    _, bo = two_customers()
    before = db.session.scalar(sa.select(sa.func.count(OrderLine.id)))

    delete(logged_in(app), **CONFIRMED)

    db.session.expire_all()
    assert db.session.get(User, bo.user.id) is not None
    assert db.session.scalar(sa.select(sa.func.count(OrderLine.id))) == before
    assert db.session.scalar(
        sa.select(sa.func.count(OrderEvent.id)).where(OrderEvent.order_id == bo.orders[0].id)
    )


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMIN])
def test_a_staff_account_cannot_delete_itself_here(app: Flask, role: Role) -> None:
    client = client_as(app, role)

    page = client.get("/account/delete")
    refused = delete(client, **CONFIRMED)

    assert "can't be deleted here" in page.get_data(as_text=True)
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.email == f"{role}@example.com")) is not None


def test_staff_see_the_deletion_in_the_admin_audit_log_without_the_address(app: Flask) -> None:
    ana, _ = two_customers()
    ana_id = ana.user.id
    delete(logged_in(app), **CONFIRMED)
    admin = client_as(app, Role.ADMIN)

    page = admin.get("/admin/audit").get_data(as_text=True)

    assert f"Account #{ana_id} deleted by its owner" in page
    assert f"user {ana_id}" in page
    assert "ana@example.com" not in page


@pytest.mark.parametrize("state", ["awaiting payment", "paid, not shipped"])
def test_an_order_still_on_its_way_holds_the_deletion_back(
    app: Flask, pending_order, paid_order, state: str
) -> None:
    ana, _ = two_customers()
    make = pending_order if state == "awaiting payment" else paid_order
    number = make(("HOODIE-L", 1), user=ana.user).number
    client = logged_in(app)
    before = snapshot(ana)

    page = client.get("/account/delete").get_data(as_text=True)
    refused = delete(client, **CONFIRMED)

    assert number in page and "can't delete your account yet" in page
    assert refused.status_code == 409
    assert f"Your order {number} is still on its way" in refused.get_data(as_text=True)
    assert snapshot(ana) == before


def test_a_digital_order_never_holds_the_deletion_back(app: Flask, paid_order) -> None:
    ana, _ = two_customers()
    paid_order(("GUIDE-WB", 1), user=ana.user)  # fulfilled when paid
    refunded = paid_order(("GUIDE-WB", 1), user=ana.user)
    refunded.status, refunded.refunded_cents = OrderStatus.PARTIALLY_REFUNDED, 500  # nothing to ship, ever
    db.session.commit()

    assert delete(logged_in(app), **CONFIRMED).status_code == 303


def test_a_failure_midway_leaves_everything_as_it_was(app: Flask, monkeypatch) -> None:
    ana, _ = two_customers()
    before = snapshot(ana)

    def broken(**_: object) -> None:
        raise RuntimeError("the confirmation could not be rendered")

    monkeypatch.setattr(privacy_services, "queue_email", broken)  # the last step but the audit entry
    with pytest.raises(RuntimeError):
        privacy_services.delete_account(
            ana.user.id, password=PASSWORD, understood=True, keep_newsletter=False
        )

    assert snapshot(ana) == before


def test_password_attempts_are_limited_per_account(app: Flask) -> None:
    two_customers()
    client = logged_in(app)

    answers = [delete(client, password="guess", understood="y").status_code for _ in range(6)]
    other = delete(logged_in(app, "bo@example.com"), password="guess", understood="y")

    assert answers == [400] * 5 + [429]
    assert other.status_code == 400  # Bo's tries are his own


def test_a_second_deletion_of_the_same_account_finds_it_gone(app: Flask, monkeypatch) -> None:
    ana, _ = two_customers()
    # A second request (another tab) that read the account before the first one deleted it.
    stale = User(
        id=ana.user.id, email=ana.user.email, role=Role.CUSTOMER, password_hash=ana.user.password_hash
    )
    privacy_services.delete_account(ana.user.id, password=PASSWORD, understood=True, keep_newsletter=False)
    monkeypatch.setattr(privacy_services, "_get_user", lambda user_id: stale)

    with pytest.raises(DataRequestError) as refused:
        privacy_services.delete_account(stale.id, password=PASSWORD, understood=True, keep_newsletter=False)

    assert refused.value.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "account.delete")) == 1
    sent = sa.select(sa.func.count()).where(OutgoingEmail.template == "account_deleted")
    assert db.session.scalar(sent) == 1


def _code(text: str) -> DiscountCode:
    db.session.expire_all()
    return db.session.scalars(sa.select(DiscountCode).where(DiscountCode.code == text)).one()


def test_the_accounts_code_uses_keep_counting_under_the_placeholder(app: Flask) -> None:
    ana, bo = two_customers_with_codes()
    ana_id = ana.user.id
    assert _code("SPORES10").uses_count == 2

    assert delete(logged_in(app), **CONFIRMED).status_code == 303

    placeholder = placeholder_email(ana_id)
    uses = {r.order_id: r.email for r in db.session.scalars(sa.select(DiscountRedemption))}
    assert uses == {ana.orders[0].id: placeholder, bo.orders[0].id: "bo@example.com"}
    # The code still counts both uses against its limit, and the kept use still names one account.
    assert _code("SPORES10").uses_count == 2
    assert has_active_use(_code("SPORES10").id, placeholder)


def test_the_welcome_code_ends_and_names_only_the_placeholder(app: Flask) -> None:
    ana, bo = two_customers_with_codes()
    ana_id = ana.user.id
    assert ana.welcome is not None and bo.welcome is not None
    ana_code, bo_code = ana.welcome.code, bo.welcome.code

    delete(logged_in(app), **CONFIRMED)

    welcome = _code(ana_code)
    assert welcome.bound_email == placeholder_email(ana_id)
    assert welcome.lead_id is None and welcome.ended_at is not None
    assert _code(bo_code).bound_email == "bo@example.com" and _code(bo_code).ended_at is None
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(DiscountCode.bound_email == "ana@example.com"))
        == 0
    )


def test_a_kept_lead_keeps_its_welcome_code(app: Flask) -> None:
    ana, _ = two_customers_with_codes()
    assert ana.welcome is not None

    delete(logged_in(app), **CONFIRMED, keep_newsletter="y")

    welcome = _code(ana.welcome.code)
    assert (welcome.bound_email, welcome.lead_id, welcome.ended_at) == ("ana@example.com", ana.lead.id, None)
