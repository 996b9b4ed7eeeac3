"""Admin forms for discount codes: shape only; shop/discounts/staff_actions.py checks the terms."""

from typing import Any

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from shop.discounts.models import SCOPE_LABELS
from shop.form_fields import PrintableText, ShopForm, WholeNumberField
from shop.money import parse_amount_to_cents, parse_percent_to_basis_points


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DiscountTermsForm(ShopForm):
    description = StringField(
        "Description (staff only)", filters=[_strip], validators=[PrintableText(), Length(max=200)]
    )
    kind = RadioField(
        "Takes off",
        choices=[SelectChoice("percent", "A percentage"), SelectChoice("amount", "A fixed amount")],
        default="percent",
    )
    value = StringField(
        "Percentage or amount",
        filters=[_strip],
        validators=[PrintableText(), Length(max=20)],
        description='A percentage like "10" or "12.5", or an amount like "5.00".',
    )
    scope = SelectField(
        "Applies to", choices=[SelectChoice(scope.value, label) for scope, label in SCOPE_LABELS.items()]
    )
    product_ids = CheckboxListField("Products (for “Chosen products”)", coerce=int, choices=[])
    min_subtotal = StringField(
        "Minimum subtotal",
        filters=[_strip],
        validators=[PrintableText(), Length(max=20)],
        description="Leave empty for no minimum.",
    )
    starts_at = DateTimeLocalField("Starts (UTC)", validators=[Optional()], format="%Y-%m-%dT%H:%M")
    ends_at = DateTimeLocalField("Ends (UTC)", validators=[Optional()], format="%Y-%m-%dT%H:%M")
    usage_limit = WholeNumberField(
        "Total uses allowed",
        validators=[Optional(), NumberRange(min=1, message="A use limit must be at least 1.")],
        description="Leave empty for no limit.",
    )
    once_per_customer = BooleanField("Once per customer (by email address)")

    percent_bp: int | None = None
    amount_cents: int | None = None
    min_subtotal_cents: int = 0

    def validate_value(self, field: StringField) -> None:
        self.percent_bp = self.amount_cents = None
        if not field.data:
            raise ValidationError("Enter how much the code takes off.")
        try:
            if self.kind.data == "amount":
                self.amount_cents = parse_amount_to_cents(field.data)
            else:
                self.percent_bp = parse_percent_to_basis_points(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def validate_min_subtotal(self, field: StringField) -> None:
        self.min_subtotal_cents = 0
        if field.data:
            try:
                self.min_subtotal_cents = parse_amount_to_cents(field.data)
            except ValueError as error:
                raise ValidationError(str(error)) from error


class NewDiscountForm(DiscountTermsForm):
    code = StringField(
        "Code",
        filters=[_strip],
        validators=[PrintableText(), Length(max=64)],
        description="4 to 32 letters, digits and dashes; shoppers can type it in any case.",
    )


class DiscountActionForm(ShopForm):
    pass
