"""Forms for the staff order actions: shape only; shop.orders.staff_actions enforces the rules.

Every action that reaches the customer or moves money (ship, cancel, refund, resend) is posted twice:
first to a confirmation page that says what will happen, then with `confirmed=yes`.
"""

from typing import Any

from wtforms import BooleanField, Field, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from shop.admin.forms import AmountField
from shop.form_fields import PrintableText, ShopForm
from shop.orders import shipping
from shop.orders.models import Order, OrderLine
from shop.orders.staff_actions import NOTE_MAX, REASON_MAX, RESOLUTION_MAX
from shop.whole_numbers import parse_whole_number


def _lines(value: Any) -> Any:
    """Line breaks as "\n", ends trimmed; PrintableText then refuses any other control character."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


class ConfirmableForm(ShopForm):
    confirmed = HiddenField(validators=[PrintableText()])

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed.data == "yes"


def _tracking_number(form: ShopForm, field: StringField) -> None:
    try:
        field.data = shipping.normalize_tracking_number(field.data or "")
    except ValueError as error:
        raise ValidationError(str(error)) from error


class ShipOrderForm(ConfirmableForm):
    carrier = SelectField("Carrier", id="ship-carrier", validators=[InputRequired("Choose a carrier.")])
    tracking_number = StringField(
        "Tracking number",
        id="ship-tracking-number",
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[
            PrintableText(),
            DataRequired("Enter the tracking number."),
            Length(max=shipping.TRACKING_NUMBER_MAX, message=shipping.TRACKING_NUMBER_RULE),
            _tracking_number,
        ],
        description=shipping.TRACKING_NUMBER_RULE,
    )

    def __init__(self, *args: Any, carriers: list[shipping.Carrier], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.carrier.choices = [(carrier.code, carrier.name) for carrier in carriers]


class RefundAmountField(AmountField):
    """Dollars typed by staff ("12.50"), as integer cents in `.cents`; more than zero."""

    def pre_validate(self, form: ShopForm) -> None:
        if not (self.data or "").strip():
            self.cents = None
            raise ValidationError("Enter the amount to refund, like 12.50.")
        super().pre_validate(form)
        if self.cents == 0:
            raise ValidationError("A refund must be more than $0.00.")


class RefundOrderForm(ConfirmableForm):
    amount = RefundAmountField("Amount to refund (USD)", id="refund-amount")
    reason = StringField(
        "Reason (optional, shown on the timeline)",
        id="refund-reason",
        filters=[_lines],
        validators=[PrintableText(), Length(max=REASON_MAX)],
    )
    keep_downloads = BooleanField(
        "Keep the guide download links working (partial refunds only)", id="refund-keep-downloads"
    )
    # The refunded total staff saw on the confirmation page: a second submit of it finds it changed.
    refunded_before = HiddenField(validators=[PrintableText()])

    @property
    def refunded_before_cents(self) -> int | None:
        return parse_whole_number(self.refunded_before.data)


QUANTITY_MAX_DIGITS = 6  # more units than any line holds; longer input is refused before reading it


class RefundQuantityField(StringField):
    """Units of one line to refund, typed by staff: blank is 0; anything but ASCII digits is refused.
    Whether that many are left on the line is the refund's own check (shop.orders.refunds)."""

    quantity = 0

    def pre_validate(self, form: ShopForm) -> None:
        text = (self.data or "").strip() if isinstance(self.data, str) else ""
        quantity = parse_whole_number(text or "0", max_digits=QUANTITY_MAX_DIGITS)
        if quantity is None:
            raise ValidationError("Enter how many units to refund as a whole number, like 1 (0 for none).")
        self.quantity = quantity


class RefundLinesForm(ConfirmableForm):
    """A refund by lines: a quantity box per order line (added by `refund_lines_form`), the shipping, a
    reason. Each line gives back what was paid for its units, tax included."""

    shipping = BooleanField("Refund the shipping", id="refund-lines-shipping")
    reason = StringField(
        "Reason (optional, shown on the timeline)",
        id="refund-lines-reason",
        filters=[_lines],
        validators=[PrintableText(), Length(max=REASON_MAX)],
    )
    keep_downloads = BooleanField(
        "Keep the guide download links working (partial refunds only)", id="refund-lines-keep-downloads"
    )
    # The refunded total staff saw on the confirmation page: a second submit of it finds it changed.
    refunded_before = HiddenField(validators=[PrintableText()])

    @staticmethod
    def field_name(line: OrderLine) -> str:
        return f"line_{line.id}"

    def line_field(self, line: OrderLine) -> Field:
        return self[self.field_name(line)]

    def quantities(self, order: Order) -> dict[int, int]:
        """Order line id → units to refund (0 for a line left alone)."""
        return {line.id: self.line_field(line).quantity for line in order.lines}

    @property
    def refunded_before_cents(self) -> int | None:
        return parse_whole_number(self.refunded_before.data)


def refund_lines_form(order: Order, **kwargs: Any) -> RefundLinesForm:
    """The refund-by-lines form for this order, with a quantity box per line."""

    class OrderRefundLinesForm(RefundLinesForm):
        pass

    for line in order.lines:
        field = RefundQuantityField(
            f"Units of {line.name} ({line.sku}) to refund",
            id=f"refund-line-{line.id}",
            default="0",
            validators=[PrintableText()],
        )
        setattr(OrderRefundLinesForm, RefundLinesForm.field_name(line), field)
    return OrderRefundLinesForm(**kwargs)


class CancelOrderForm(ConfirmableForm):
    reason = StringField(
        "Reason (optional, shown on the timeline)",
        id="cancel-reason",
        filters=[_lines],
        validators=[PrintableText(), Length(max=REASON_MAX)],
    )


class ResendConfirmationForm(ConfirmableForm):
    """No fields: the confirmation page says where the email goes."""


class OrderNoteForm(ShopForm):
    text = TextAreaField(
        "Internal note",
        id="note-text",
        filters=[_lines],
        validators=[
            PrintableText(multi_line=True),
            DataRequired("Write the note first."),
            Length(max=NOTE_MAX, message=f"Keep the note under {NOTE_MAX:,} characters."),
        ],
        description="Only staff see notes. They stay on the order's timeline.",
    )


class ClearFlagForm(ShopForm):
    resolution = TextAreaField(
        "How was it resolved?",
        id="flag-resolution",
        filters=[_lines],
        validators=[
            PrintableText(multi_line=True),
            DataRequired("Say how the problem was resolved."),
            Length(max=RESOLUTION_MAX, message=f"Keep it under {RESOLUTION_MAX} characters."),
        ],
    )
