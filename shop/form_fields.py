"""Form fields and validators shared by every domain: email addresses, whole numbers and printable text.

Every free-text field (input, textarea, hidden) carries `PrintableText`: control characters (NUL, escape,
…) and unpaired surrogates are refused with a message, never stored. PostgreSQL cannot store NUL at all,
and none of them belong in a name, an address or a note. Multi-line fields keep tabs and line breaks.
Passwords are exempt: they are only ever hashed, never stored or shown.

Every form derives from `ShopForm`: an HTML form reads the posted form fields, never a JSON body (Flask-WTF
would fill the fields from any JSON document, so a list, a number or a nesting too deep to parse was a 500).
"""

import re
from typing import Any

from flask import abort, request
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField
from wtforms.validators import DataRequired, Email, Length, StopValidation

from shop.whole_numbers import parse_whole_number

ONE_LINE_MESSAGE = "Use one line of plain text here: no line breaks, tabs or other control characters."
CONTROL_CHARACTERS_MESSAGE = "Remove the invisible control characters (such as NUL) from this text."

# C0 controls, DEL, C1 controls and lone surrogates (JSON can carry "\ud800"; nothing can store it).
_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_CHARACTERS_BUT_LINE_BREAKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class ShopForm(FlaskForm):
    """The base of every form of the shop: it reads the posted form, and a JSON body fills no field (the
    form is then refused as empty). The cart's JSON API reads its bodies itself (shop/cart/views.py)."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            # formdata is Flask-WTF's "read the request" marker unless the view passed data (or None).
            if request.is_json and formdata is not None and not hasattr(formdata, "getlist"):
                formdata = request.form
            return super().wrap_formdata(form, formdata)


def has_control_characters(text: str, *, multi_line: bool = False) -> bool:
    """Whether `text` holds a character no field stores (multi-line text may hold tabs and line breaks)."""
    pattern = _CONTROL_CHARACTERS_BUT_LINE_BREAKS if multi_line else _CONTROL_CHARACTERS
    return pattern.search(text) is not None


class PrintableText:
    """Validator: refuse control characters in the field's value (after its filters) and stop there.

    A field already refused by an earlier validator (an email address that is not one) keeps that
    message alone."""

    def __init__(self, *, multi_line: bool = False) -> None:
        self.multi_line = multi_line
        self.message = CONTROL_CHARACTERS_MESSAGE if multi_line else ONE_LINE_MESSAGE

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, str) and has_control_characters(field.data, multi_line=self.multi_line):
            raise StopValidation(None if field.errors else self.message)


def query_text(name: str) -> str:
    """A text parameter of a GET form (the query string), trimmed; control characters are a 400."""
    value = request.args.get(name, "").strip()
    if has_control_characters(value):
        abort(400, description=CONTROL_CHARACTERS_MESSAGE)
    return value


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def email_address_field(label: str = "Email address", **kwargs: Any) -> EmailField:
    """A required email field: trimmed, at most 320 characters, no DNS lookups."""
    return EmailField(
        label,
        filters=[_strip],
        validators=[
            DataRequired("Enter your email address."),
            Length(max=320, message="That email address is too long."),
            Email("Enter a valid email address, like name@example.com.", check_deliverability=False),
            PrintableText(),
        ],
        **kwargs,
    )


class WholeNumberField(IntegerField):
    """An integer typed by a person: ASCII digits with an optional minus, at most 12 digits (bounds are
    the NumberRange validator's job); anything else is the field's `message`, never a 500."""

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        *,
        message: str = "Enter a whole number, like 1 or 12.",
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.message = message

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = parse_whole_number(str(valuelist[0]).strip(), allow_negative=True)
        if self.data is None:
            raise ValueError(self.message)
