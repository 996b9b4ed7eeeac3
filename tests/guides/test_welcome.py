"""The welcome code for guide leads: made on the first confirmation when the shop offers one, emailed with
the guide, bound to the lead's email, one use, first paid order only; marketing sees what it brought
(docs/rules.md#discounts rules 13-15)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from config import check_welcome_code
from shop.catalog.models import Product
from shop.discounts.models import DiscountCode
from shop.discounts.services import WelcomeOffer
from shop.emails.models import OutgoingEmail
from shop.extensions import db
from shop.guides import services
from shop.guides.attribution import VisitSource
from tests.checkout_helpers import add, dev_pay, place
from tests.guides.helpers import capture, lead, make_free_guide, sign_up
from tests.guides.test_services import queued_emails, token_of
from tests.order_factory import make_shop

OFFER = WelcomeOffer(percent_bp=1_000, days=30)


def confirm(offer: WelcomeOffer | None = OFFER) -> None:
    token = token_of(queued_emails()[0])
    services.confirm_guide_request(token, download_ttl_days=7, max_downloads=5, welcome=offer)


def welcome_codes() -> list[DiscountCode]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(DiscountCode).where(DiscountCode.kind == "welcome")))


def test_no_code_while_the_offer_is_off(app: Flask, guide: Product) -> None:
    capture()

    confirm(offer=None)

    assert welcome_codes() == []
    assert [email.template for email in queued_emails()] == ["guide_link"]


def test_the_first_confirmation_emails_a_personal_code(app: Flask, guide: Product) -> None:
    capture(" Ana@Example.com ")

    confirm()
    confirm()  # pressing the button again sends no second code

    [code] = welcome_codes()
    assert (code.bound_email, code.usage_limit, code.first_order_only, code.lead_id) == (
        "ana@example.com",
        1,
        True,
        lead().id,
    )
    assert code.ends_at - code.starts_at == timedelta(days=30)
    emails = queued_emails()
    assert [email.template for email in emails] == ["guide_link", "welcome_code"]
    welcome = emails[1]
    assert code.code in welcome.text_body and code.code in welcome.html_body
    assert "10% off everything on your first order" in welcome.text_body
    assert welcome.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_lead_who_already_bought_gets_no_code(app: Flask, guide: Product) -> None:
    capture()
    row = lead()
    row.customer_since = row.created_at
    db.session.commit()

    confirm()

    assert welcome_codes() == []


def test_the_offer_is_read_from_the_settings_through_the_confirm_button(make_app) -> None:
    app = make_app(WELCOME_CODE_PERCENT_BP=1_500, WELCOME_CODE_DAYS=7, WELCOME_CODE_SCOPE="guides")
    with app.app_context():
        make_free_guide()
        client = app.test_client()
        sign_up(client)
        token = token_of(queued_emails()[0])

        assert client.post(f"/guides/confirm/{token}").status_code == 303

        [code] = welcome_codes()
        assert (code.percent_bp, code.scope) == (1_500, "guides")
        assert code.ends_at - code.starts_at == timedelta(days=7)


@pytest.mark.parametrize(
    ("percent_bp", "days", "scope", "says"),
    [
        (10_001, 30, "all", "WELCOME_CODE_PERCENT_BP"),
        (-1, 30, "all", "WELCOME_CODE_PERCENT_BP"),
        (1_000, 0, "all", "WELCOME_CODE_DAYS"),
        (1_000, 30, "hoodies", "WELCOME_CODE_SCOPE"),
    ],
)
def test_impossible_settings_refuse_to_start(percent_bp: int, days: int, scope: str, says: str) -> None:
    with pytest.raises(RuntimeError, match=says):
        check_welcome_code(percent_bp, days, scope)


def test_the_code_works_once_and_marketing_sees_what_it_brought(
    app: Flask, guide: Product, admin_client
) -> None:
    # given a lead from a newsletter campaign with their welcome code
    make_shop()
    capture(source=VisitSource(utm_source="newsletter", utm_campaign="spring"))
    confirm()
    [code] = welcome_codes()

    # when they use it on a first order and pay
    shopper = app.test_client()
    add(shopper, "TEE-M", 1)
    assert shopper.post("/cart/discount.json", json={"code": code.code.lower()}).status_code == 200
    dev_pay(shopper, place(shopper, email="ana@example.com").headers["Location"])

    # then a second use is refused
    add(shopper, "TEE-M", 1)
    again = shopper.post("/cart/discount.json", json={"code": code.code})
    assert again.status_code == 409 and "used up" in again.get_json()["error"]

    # and the report counts it under its source and campaign, and the lead's page shows code and order
    report = admin_client.get("/admin/discounts").get_data(as_text=True)
    assert "<td>newsletter</td><td>spring</td><td>1</td><td>1</td><td>$36.75</td>" in report
    page = admin_client.get(f"/admin/leads/{lead().id}").get_data(as_text=True)
    assert code.code in page and "on order" in page


def test_erasing_the_lead_unbinds_and_ends_their_code(app: Flask, guide: Product) -> None:
    capture()
    confirm()

    assert services.erase_lead("ana@example.com")

    [code] = welcome_codes()
    assert code.bound_email != "ana@example.com" and code.lead_id is None and code.ended_at is not None
    assert db.session.scalar(sa.select(sa.func.count(OutgoingEmail.id))) == 0
