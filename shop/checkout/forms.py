"""The checkout form: email always, the shipping address only when the cart ships."""

from typing import Any

from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from shop.form_fields import PrintableText, ShopForm, email_address_field
from shop.orders.addresses import ShippingAddress

ADDRESS_REQUIRED = {
    "full_name": "Enter the name to ship to.",
    "line1": "Enter the street address.",
    "city": "Enter the town or city.",
    "postal_code": "Enter the postal or ZIP code.",
    "country": "Choose a country we ship to.",
}


def _upper(value: Any) -> Any:
    """Country codes in any case ("ca", " CA ") become upper-case codes."""
    return value.strip().upper() if isinstance(value, str) else value


def _clean(value: Any) -> Any:
    """Trim and collapse whitespace: an address line never spans lines."""
    return " ".join(value.split()) if isinstance(value, str) else value


def _text(label: str, max_length: int) -> StringField:
    # Required-ness is decided per request (only a shipping order needs an address): see validate().
    return StringField(
        label,
        filters=[_clean],
        validators=[
            PrintableText(),
            Length(max=max_length, message=f"Keep this under {max_length} characters."),
        ],
    )


class CheckoutForm(ShopForm):
    email = email_address_field()
    full_name = _text("Full name", 200)
    line1 = _text("Address line 1", 200)
    line2 = _text("Address line 2 (optional)", 200)
    city = _text("Town or city", 120)
    region = _text("State, province or region", 120)
    postal_code = _text("Postal or ZIP code", 20)
    country = SelectField("Country", validate_choice=False, filters=[_upper])
    # A digital-only order ships nowhere: the buyer's country decides its sales tax.
    billing_country = SelectField("Country you're buying from", validate_choice=False, filters=[_upper])
    # …and, where the tax table taxes that country's states differently (the US), the state: whether it
    # is needed, and what it must be, is decided by shop/checkout/destination.py.
    billing_state = _text("State", 120)
    # What the shopper saw: a different cart at submission means the summary must be shown again.
    cart_fingerprint = HiddenField(
        validators=[PrintableText(), DataRequired("Reload the page and try again."), Length(max=64)]
    )
    # One key per rendered form: sending the same form twice finds the same order.
    checkout_key = HiddenField(
        validators=[PrintableText(), DataRequired("Reload the page and try again."), Length(min=16, max=64)]
    )

    def __init__(
        self,
        *args: Any,
        countries: list[tuple[str, str]],
        requires_shipping: bool,
        billing_countries: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.requires_shipping = requires_shipping
        self.country.choices = [("", "Choose a country…"), *countries]
        self.billing_country.choices = [("", "Choose a country…"), *(billing_countries or countries)]
        self._country_codes = {code for code, _ in countries}
        self._billing_codes = {code for code, _ in (billing_countries or countries)}

    def validate(self, extra_validators: dict[str, list[Any]] | None = None) -> bool:
        extra = dict(extra_validators or {})
        if self.requires_shipping:
            for name, message in ADDRESS_REQUIRED.items():
                extra.setdefault(name, []).append(DataRequired(message))
        valid = super().validate(extra_validators=extra)
        if self.requires_shipping and self.country.data and self.country.data not in self._country_codes:
            self.country.errors = [*self.country.errors, "Choose a country we ship to."]
            valid = False
        if not self.requires_shipping and self.billing_country.data not in self._billing_codes:
            self.billing_country.errors = [
                *self.billing_country.errors,
                "Choose the country you are buying from: it decides the sales tax.",
            ]
            valid = False
        return valid

    def billing_country_code(self) -> str | None:
        """The billing country of a digital-only order (None when the order ships)."""
        return None if self.requires_shipping else self.billing_country.data or None

    def billing_state_text(self) -> str | None:
        """The billing state as typed, for a digital-only order (None when the order ships)."""
        return None if self.requires_shipping else self.billing_state.data or None

    def shipping_address(self) -> ShippingAddress | None:
        if not self.requires_shipping:
            return None
        return ShippingAddress(
            name=self.full_name.data or "",
            line1=self.line1.data or "",
            line2=self.line2.data or "",
            city=self.city.data or "",
            region=self.region.data or "",
            postal_code=(self.postal_code.data or "").upper(),
            country=self.country.data or "",
        )
