"""Shared input rules: whole numbers are ASCII digits, and no free-text field of any form stores a control
character (NUL first: PostgreSQL refuses it). Every form the shop defines is found and checked, so a new
form or field is covered without touching this file."""

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField, StringField
from wtforms.validators import StopValidation

from shop.accounts.models import User
from shop.catalog.models import Product, ProductVariant
from shop.extensions import db
from shop.form_fields import PrintableText, has_control_characters
from shop.guides.models import Lead
from shop.orders import shipping
from shop.orders.models import Order, OrderEvent
from shop.whole_numbers import parse_whole_number
from tests.accounts.helpers import PASSWORD
from tests.checkout_helpers import add, checkout_form
from tests.fixtures import OrderFactory
from tests.guides.helpers import make_free_guide, sign_up

# --- whole numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("7", 7),
        ("007", 7),
        ("-3", -3),
        ("999999999999", 999_999_999_999),
        ("9999999999999", None),  # 13 digits
        ("²", None),  # "²".isdigit() is True, int("²") raises
        ("１", None),  # full-width: int() would read 1
        ("١", None),  # Arabic-Indic: int() would read 1
        ("", None),
        ("-", None),
        ("+1", None),
        (" 1", None),
        ("1 ", None),
        ("1\n", None),
        ("1.0", None),
        ("1_000", None),  # int() accepts underscores
        ("0x1", None),
        (None, None),
    ],
)
def test_a_whole_number_is_ascii_digits_only(text: str | None, expected: int | None) -> None:
    assert parse_whole_number(text, allow_negative=True) == expected


def test_a_minus_needs_allow_negative_and_digits_are_bounded() -> None:
    assert parse_whole_number("-3") is None
    assert parse_whole_number("123456", max_digits=5) is None
    assert parse_whole_number("12345", max_digits=5) == 12_345


# --- control characters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "one_line", "multi_line"),
    [
        ("Ana Lima", False, False),
        ("Ana\x00", True, True),
        ("\x1b[31m", True, True),  # escape
        ("a\x7fb", True, True),  # DEL
        ("a\x85b", True, True),  # C1 next-line
        ("a\ud800b", True, True),  # a lone surrogate (only JSON can carry one)
        ("line one\nline two", True, False),
        ("line one\r\nline two", True, False),
        ("a\tb", True, False),
        ("Zoë Ñúñez, 東京 🍄", False, False),
        ("a\u200bb", False, False),  # format characters (zero-width space) are text, not control
    ],
)
def test_control_characters_are_found_and_multi_line_text_keeps_its_line_breaks(
    text: str, one_line: bool, multi_line: bool
) -> None:
    assert has_control_characters(text) is one_line
    assert has_control_characters(text, multi_line=True) is multi_line


# Text fields that are not free text or that must never answer differently.
EXEMPT = {
    # The honeypot: a bot must see the same answer whatever it typed, and its content is never stored.
    ("LeadCaptureForm", "website"),
}
FORM_ARGUMENTS: dict[str, dict[str, Any]] = {
    "CheckoutForm": {"countries": [("US", "United States")], "requires_shipping": True},
    "ShipOrderForm": {"carriers": [shipping.CARRIERS["USPS"]]},
}


def _shop_forms() -> Iterator[type[FlaskForm]]:
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form_class = pending.pop()
        pending.extend(form_class.__subclasses__())
        if form_class.__module__.startswith("shop."):
            yield form_class


def _text_fields(app: Flask) -> list[tuple[type[FlaskForm], str]]:
    fields = []
    with app.test_request_context():
        for form_class in _shop_forms():
            form = form_class(meta={"csrf": False}, **FORM_ARGUMENTS.get(form_class.__name__, {}))
            for name, field in form._fields.items():
                free_text = isinstance(field, StringField) and not isinstance(field, PasswordField)
                if free_text and (form_class.__name__, name) not in EXEMPT:
                    fields.append((form_class, name))
    return sorted(fields, key=lambda item: (item[0].__name__, item[1]))


def test_the_forms_are_found(app: Flask) -> None:
    found = {(form_class.__name__, name) for form_class, name in _text_fields(app)}

    # A few from each domain: the walk reaches every module create_app imports.
    for expected in [
        ("CheckoutForm", "full_name"),
        ("CheckoutForm", "line1"),
        ("RegisterForm", "full_name"),
        ("LeadCaptureForm", "first_name"),
        ("NewProductForm", "name"),
        ("OrderNoteForm", "text"),
        ("RefundOrderForm", "refunded_before"),
        ("AddToCartForm", "sku"),
        ("FreshLinkForm", "token"),
    ]:
        assert expected in found
    assert len(found) > 40


@pytest.mark.parametrize(
    ("text", "may_become_a_space"),
    # A filter that folds whitespace (addresses, names) may turn NEL into a space; none may store it.
    [("a\x00b", False), ("\x00", False), ("a\x1bb", False), ("a\x7fb", False), ("a\x85b", True)],
)
def test_every_free_text_field_of_every_form_refuses_control_characters(
    app: Flask, text: str, may_become_a_space: bool
) -> None:
    accepted = []
    for form_class, name in _text_fields(app):
        with app.test_request_context(method="POST"):
            form = form_class(
                formdata=MultiDict({name: text}),
                meta={"csrf": False},
                **FORM_ARGUMENTS.get(form_class.__name__, {}),
            )
            field = form[name]
            field.validate(form)
            uses_shared_validator = any(isinstance(v, PrintableText) for v in field.validators)
            folded = may_become_a_space and field.data == "a b"
            if not uses_shared_validator or not (field.errors or folded):
                accepted.append((form_class.__name__, name, field.data, field.errors))

    assert accepted == []


def test_multi_line_fields_keep_line_breaks_and_one_line_fields_refuse_them(app: Flask) -> None:
    class Field:
        def __init__(self, data: str) -> None:
            self.data = data
            self.errors: list[str] = []

    PrintableText(multi_line=True)(None, Field("Called back.\nShips Monday.\tOK"))
    with pytest.raises(StopValidation, match="one line"):
        PrintableText()(None, Field("Called back.\nShips Monday."))


# --- through the pages: a 400 with the message, and nothing stored ------------------------------------

ONE_LINE = "one line of plain text"


def _count(model: type) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_a_nul_in_the_checkout_address_is_a_400_and_no_order(
    shop: dict, client: FlaskClient, app: Flask
) -> None:
    add(client, "TEE-M")

    response = client.post(
        "/checkout", data=checkout_form(client, full_name="Ana\x00Lima", line1="12 \x00St")
    )

    assert response.status_code == 400
    assert response.get_data(as_text=True).count(ONE_LINE) == 2
    assert _count(Order) == 0


def test_a_nul_in_the_account_name_is_a_400_and_no_account(client: FlaskClient, app: Flask) -> None:
    response = client.post(
        "/account/register", data={"email": "ana@example.com", "password": PASSWORD, "full_name": "Ana\x00"}
    )

    assert response.status_code == 400
    assert ONE_LINE in response.get_data(as_text=True)
    assert _count(User) == 0


def test_a_nul_in_the_guide_gate_first_name_is_a_400_and_no_lead(client: FlaskClient, app: Flask) -> None:
    make_free_guide()

    response = sign_up(client, first_name="Ana\x00")

    assert response.status_code == 400
    assert ONE_LINE in response.get_data(as_text=True)
    assert _count(Lead) == 0


def test_a_pasted_line_break_in_the_first_name_still_becomes_a_space(client: FlaskClient, app: Flask) -> None:
    make_free_guide()

    response = sign_up(client, first_name=" Ana\r\n Lima\t")

    assert response.status_code in (200, 303)
    assert db.session.scalar(sa.select(Lead.first_name)) == "Ana Lima"


@pytest.fixture
def payment_provider() -> str:
    """Staff refunds run through the development payment provider, offline."""
    return "dev"


@pytest.fixture
def admin(shop: dict, admin_client: FlaskClient) -> FlaskClient:
    """A logged-in admin over the small shop: gets past every login and role check (customer pages too)."""
    return admin_client


def test_a_nul_in_an_admin_product_form_is_a_400_and_no_product(admin: FlaskClient) -> None:
    before = _count(Product)

    response = admin.post(
        "/admin/products/new",
        data={
            "name": "Mug\x00",
            "category": "home",
            "summary": "A mug.",
            "kind": "physical",
            "sku": "MUG-NUL",
            "price": "12.00",
        },
    )

    assert response.status_code == 400
    assert ONE_LINE in response.get_data(as_text=True)
    assert _count(Product) == before


def test_a_staff_note_keeps_its_line_breaks_but_not_a_nul(
    paid_order: OrderFactory, admin: FlaskClient
) -> None:
    order = paid_order(("TEE-M", 1))
    url = f"/admin/orders/{order.number}/notes"
    notes_before = _count(OrderEvent)

    refused = admin.post(url, data={"text": "Called back.\x00"})
    kept = admin.post(url, data={"text": "Called back.\r\nShips Monday."})

    assert refused.status_code == 400
    assert "control characters" in refused.get_data(as_text=True)
    assert kept.status_code == 303
    notes = db.session.scalars(sa.select(OrderEvent.note).order_by(OrderEvent.id)).all()
    assert len(notes) == notes_before + 1
    assert notes[-1] == "Called back.\nShips Monday."


def test_a_refund_confirmation_with_a_junk_total_is_refused_not_a_500(
    paid_order: OrderFactory, admin: FlaskClient
) -> None:
    order = paid_order(("TEE-M", 1))

    response = admin.post(
        f"/admin/orders/{order.number}/refund",
        data={"amount": "5", "refunded_before": "²", "confirmed": "yes"},
    )

    assert response.status_code == 400
    assert "Review the refund first" in response.get_data(as_text=True)


def test_amounts_and_stock_changes_in_other_digits_are_a_400_with_their_message(
    paid_order: OrderFactory, admin: FlaskClient
) -> None:
    order = paid_order(("TEE-M", 1))
    variant = db.session.scalar(sa.select(ProductVariant).where(ProductVariant.sku == "MUG"))
    stock_before = variant.stock_on_hand

    for junk in ["²", "１２", "٥", "1_000", "+5"]:
        refund = admin.post(f"/admin/orders/{order.number}/refund", data={"amount": junk})
        stock = admin.post(f"/admin/variants/{variant.id}/stock", data={"delta": junk, "reason": "Count"})

        assert refund.status_code == 400 and "Enter an amount like 68 or 68.50." in refund.get_data(
            as_text=True
        )
        assert stock.status_code == 400 and "Enter a number like 12 or -3." in stock.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProductVariant, variant.id).stock_on_hand == stock_before
    assert db.session.get(Order, order.id).refunded_cents == 0
