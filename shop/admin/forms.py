"""Admin forms: shape only; the catalog's editing services enforce the rules."""

from typing import Any

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from shop.form_fields import PrintableText, ShopForm, WholeNumberField, email_address_field
from shop.money import parse_amount_to_cents


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class AmountField(StringField):
    """A money amount typed by staff ("68.00"), exposed as integer cents in `.cents`."""

    cents: int | None = None

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, [PrintableText(), *(validators or [])], **kwargs)

    def pre_validate(self, form: ShopForm) -> None:
        self.cents = None
        if not self.data:
            raise ValidationError("Enter a price, like 24.00.")
        try:
            self.cents = parse_amount_to_cents(self.data)
        except ValueError as error:
            raise ValidationError(str(error)) from error


class ProductForm(ShopForm):
    name = StringField(
        "Name", filters=[_strip], validators=[PrintableText(), DataRequired("Enter a name."), Length(max=160)]
    )
    slug = StringField(
        "Web address",
        filters=[_strip],
        validators=[PrintableText(), Optional(), Length(max=80)],
        description="The part after /products/. Leave empty to make one from the name.",
    )
    category = SelectField("Category", validators=[DataRequired("Choose a category.")])
    summary = TextAreaField(
        "Summary",
        filters=[_strip],
        validators=[
            PrintableText(multi_line=True),
            DataRequired("Write a one-line summary."),
            Length(max=300),
        ],
    )
    description = TextAreaField(
        "Description",
        filters=[_strip],
        validators=[PrintableText(multi_line=True), Length(max=20_000)],
        description="Plain text. Leave a blank line between paragraphs.",
    )
    image_alt = StringField(
        "Image description (alt text)", filters=[_strip], validators=[PrintableText(), Length(max=255)]
    )
    is_featured = BooleanField("Feature on the home page")
    tax_type = SelectField(
        "Sales tax type",
        choices=[
            SelectChoice("", "Default: digital guide if digital, housewares otherwise"),
            SelectChoice("digital_guide", "Digital guide (download)"),
            SelectChoice("printed_book", "Printed book"),
            SelectChoice("apparel", "Apparel"),
            SelectChoice("housewares", "Housewares and other goods"),
        ],
        coerce=lambda value: value or "",
        default="",
        description="Decides the product tax code Stripe Tax uses for it.",
    )


class NewProductForm(ProductForm):
    kind = RadioField(
        "Kind",
        choices=[
            SelectChoice("physical", "Physical item (ships, has stock)"),
            SelectChoice("digital", "Digital guide (PDF download)"),
        ],
        default="physical",
        validators=[InputRequired("Choose physical or digital.")],
    )
    sku = StringField(
        "SKU",
        filters=[_strip, lambda v: v.upper() if isinstance(v, str) else v],
        validators=[PrintableText(), DataRequired("Enter a SKU."), Length(max=64)],
    )
    price = AmountField("Price (USD)")
    initial_stock = WholeNumberField(
        "Stock on hand", default=0, validators=[Optional(), NumberRange(min=0, max=1_000_000)]
    )


class VariantForm(ShopForm):
    sku = StringField(
        "SKU",
        filters=[_strip, lambda v: v.upper() if isinstance(v, str) else v],
        validators=[PrintableText(), DataRequired("Enter a SKU."), Length(max=64)],
    )
    option_name = StringField(
        "Option", filters=[_strip], validators=[PrintableText(), Optional(), Length(max=40)], default="Size"
    )
    option_value = StringField(
        "Value", filters=[_strip], validators=[PrintableText(), Optional(), Length(max=40)]
    )
    price = AmountField("Price (USD)")


class NewVariantForm(VariantForm):
    initial_stock = WholeNumberField(
        "Stock on hand", default=0, validators=[Optional(), NumberRange(min=0, max=1_000_000)]
    )


class StockAdjustForm(ShopForm):
    delta = WholeNumberField(
        "Change",
        message="Enter a number like 12 or -3.",
        validators=[
            InputRequired("Enter a number like 12 or -3."),
            NumberRange(min=-1_000_000, max=1_000_000),
        ],
        description="Positive adds stock, negative removes it.",
    )
    reason = StringField(
        "Reason",
        filters=[_strip],
        validators=[PrintableText(), DataRequired("Say why the stock changes."), Length(max=200)],
    )


class PublishForm(ShopForm):
    """Publish or unpublish: the button's value says which."""


class ImageUploadForm(ShopForm):
    image = FileField(
        "Image (PNG, JPEG or WebP, up to 2 MB)", validators=[FileRequired("Choose an image file.")]
    )
    image_alt = StringField(
        "Image description (alt text)", filters=[_strip], validators=[PrintableText(), Length(max=255)]
    )


class GuideUploadForm(ShopForm):
    pdf = FileField("Guide PDF (up to 20 MB)", validators=[FileRequired("Choose a PDF file.")])


ROLE_CHOICES = [
    SelectChoice("customer", "Customer (no admin access)"),
    SelectChoice("staff", "Staff"),
    SelectChoice("admin", "Admin (also manages staff)"),
]


class StaffInviteForm(ShopForm):
    email = email_address_field()
    role = SelectField("Role", choices=ROLE_CHOICES[1:], default="staff")


class StaffRoleForm(ShopForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


YES_NO_CHOICES = [SelectChoice("", "Any"), SelectChoice("yes", "Yes"), SelectChoice("no", "No")]


class YesNoField(SelectField):
    """Any / yes / no, as a filter: `.wanted` is None, True or False."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, choices=YES_NO_CHOICES, default="", **kwargs)

    def pre_validate(self, form: ShopForm) -> None:
        if self.data not in ("", "yes", "no", None):
            raise ValidationError("Choose any, yes or no.")

    @property
    def wanted(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.data or "")


class LeadFilterForm(ShopForm):
    """The leads list's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(
        "Email contains",
        filters=[_strip],
        validators=[
            PrintableText(),
            Optional(),
            Length(max=320, message="Search for at most 320 characters."),
        ],
    )
    confirmed = YesNoField("Email confirmed")
    subscribed = YesNoField("Subscribed")
    customer = YesNoField("Customer")
    utm_source = StringField(
        "UTM source",
        filters=[_strip],
        validators=[
            PrintableText(),
            Optional(),
            Length(max=100, message="A UTM source has at most 100 characters."),
        ],
    )


class LeadEraseForm(ShopForm):
    understood = BooleanField(
        "I understand: this deletes the lead and its history for good.",
        validators=[DataRequired("Tick the box to confirm the erasure.")],
    )
