"""Whether a code applies and why not (docs/rules.md#discounts rules 1-5): one message per reason."""

from datetime import timedelta

import pytest
from flask import Flask

from shop import pricing
from shop.clock import utcnow
from shop.discounts import services
from shop.discounts.errors import (
    CodeUsedUpError,
    DiscountError,
    MalformedCodeError,
    UnknownCodeError,
)
from shop.discounts.models import DiscountRedemption
from shop.discounts.rules import DiscountItem, Shopper, check_code, describe, get_code, normalize_code
from shop.extensions import db
from shop.guides.models import Lead
from tests.factories import make_code
from tests.order_factory import make_pending_order, make_shop

HOODIE = pricing.PricedLine(unit_price_cents=6_800, quantity=2, is_physical=True)
GUIDE = pricing.PricedLine(unit_price_cents=1_900, quantity=1, is_physical=False)
HOODIE_ITEM = DiscountItem(product_id=1, is_digital=False)
GUIDE_ITEM = DiscountItem(product_id=2, is_digital=True)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("SPORES10", "SPORES10"), ("spores10", "SPORES10"), ("  Spores10 \t", "SPORES10"), ("A-B-", "A-B-")],
)
def test_a_code_is_read_without_surrounding_spaces_and_in_upper_case(typed: str, stored: str) -> None:
    assert normalize_code(typed) == stored


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("SPORES 10", "no spaces"),
        ("SPΟRES10", "another alphabet"),  # a Greek capital omicron in place of the O
        ("ЅPORES10", "another alphabet"),  # a Cyrillic dze in place of the S
        ("X" * 10_000, "too long"),
        ("' OR 1=1 --", "no spaces"),
        ("ABC", "4 to 32"),
        ("", "Type a discount code"),
        ("   ", "Type a discount code"),
        (None, "Type a discount code"),
        (42, "Type a discount code"),
    ],
)
def test_what_cannot_be_a_code_is_refused_with_a_reason(typed: object, says: str) -> None:
    with pytest.raises(MalformedCodeError) as refused:
        normalize_code(typed)
    assert says in refused.value.message
    assert refused.value.status_code == 400


def test_an_unknown_code_is_named(app: Flask) -> None:
    with pytest.raises(UnknownCodeError, match="We don't know the code NOPE1"):
        get_code("nope1")


NOBODY = Shopper()


def _check(code, lines=(HOODIE, GUIDE), items=(HOODIE_ITEM, GUIDE_ITEM), shopper=NOBODY):  # noqa: ANN001, ANN202
    return check_code(code, list(lines), list(items), shopper=shopper, now=utcnow())


@pytest.mark.parametrize(
    ("overrides", "error", "says"),
    [
        ({"ends_at": utcnow() - timedelta(days=1)}, DiscountError, "expired on"),
        ({"ended_at": utcnow() - timedelta(hours=1)}, DiscountError, "expired on"),
        ({"paused": True}, DiscountError, "paused"),
        ({"starts_at": utcnow() + timedelta(days=2)}, DiscountError, "isn't active yet"),
        ({"usage_limit": 3, "uses_count": 3}, CodeUsedUpError, "used up"),
        ({"min_subtotal_cents": 20_000}, DiscountError, "add $64.00 more"),
        ({"scope": "guides"}, DiscountError, "applies only to guides"),
    ],
)
def test_each_reason_a_code_does_not_apply_has_its_own_message(
    app: Flask, overrides: dict, error: type, says: str
) -> None:
    code = make_code(**overrides)

    with pytest.raises(error) as refused:
        _check(code, lines=(HOODIE,), items=(HOODIE_ITEM,))

    assert says in refused.value.message


def test_nothing_eligible_for_merchandise_and_for_chosen_products(app: Flask) -> None:
    merch = make_code("MERCH10", scope="merchandise")
    chosen = make_code("CHOSEN", scope="products", product_ids=[])

    with pytest.raises(DiscountError, match="merchandise"):
        _check(merch, lines=(GUIDE,), items=(GUIDE_ITEM,))
    with pytest.raises(DiscountError, match="certain products"):
        _check(chosen)


def test_a_personal_code_refuses_another_email_and_a_repeat_customer(app: Flask) -> None:
    code = make_code("WELCOME-ABCD", bound_email="ana@example.com", first_order_only=True, usage_limit=1)

    with pytest.raises(DiscountError, match="personal code for another email"):
        _check(code, shopper=Shopper(email="bo@example.com"))
    with pytest.raises(DiscountError, match="first order"):
        _check(code, shopper=Shopper(email=" Ana@Example.com ", has_paid_order=True))
    assert _check(code, shopper=Shopper(email="ANA@example.com", has_paid_order=False)) == [True, True]


def test_once_per_customer_counts_the_normalised_email(app: Flask) -> None:
    make_shop()
    code = make_code(once_per_customer=True)
    order = make_pending_order(("TEE-M", 1), email="ana@example.com")
    db.session.add(
        DiscountRedemption(code_id=code.id, order_id=order.id, email="ana@example.com", discount_cents=1)
    )
    db.session.commit()

    with pytest.raises(DiscountError, match="already been used with ana@example.com"):
        _check(code, shopper=Shopper(email="  ANA@example.COM"))
    assert _check(code, shopper=Shopper(email="bo@example.com")) == [True, True]


def test_the_scope_picks_the_lines(app: Flask) -> None:
    assert _check(make_code("ALL-1")) == [True, True]
    assert _check(make_code("MERCH-1", scope="merchandise")) == [True, False]
    assert _check(make_code("GUIDES-1", scope="guides")) == [False, True]


def test_a_chosen_products_code_covers_only_its_products(app: Flask) -> None:
    shop = make_shop()
    code = make_code("HOODIES", scope="products", product_ids=[shop["hoodie"].id])
    items = [
        DiscountItem(product_id=shop["hoodie"].id, is_digital=False),
        DiscountItem(shop["tee"].id, False),
    ]
    tee = pricing.PricedLine(unit_price_cents=3_200, quantity=1, is_physical=True)

    assert _check(code, lines=(HOODIE, tee), items=items) == [True, False]


def test_the_terms_read_as_a_person_would_say_them(app: Flask) -> None:
    assert describe(make_code("TEN", scope="merchandise")) == "10% off merchandise"
    assert describe(make_code("TWELVE", percent_bp=1_250)) == "12.5% off everything"
    assert describe(make_code("FIVE", amount_cents=500, scope="guides")) == "$5.00 off guides"


def test_a_welcome_code_is_made_once_per_lead(app: Flask) -> None:
    offer = services.WelcomeOffer(percent_bp=1_000, days=30)

    lead = Lead(email="ana@example.com", signup_form="guide")
    db.session.add(lead)
    db.session.flush()

    first = services.create_welcome_code(lead_id=lead.id, email="Ana@Example.com", offer=offer)
    again = services.create_welcome_code(lead_id=lead.id, email="ana@example.com", offer=offer)

    assert again.id == first.id
    assert first.code.startswith("WELCOME-") and len(first.code) == 16
    assert (first.bound_email, first.usage_limit, first.first_order_only) == ("ana@example.com", 1, True)
    assert first.ends_at - first.starts_at == timedelta(days=30)
