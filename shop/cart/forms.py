"""Cart submissions: the no-JavaScript forms and the shape check for the JSON API."""

from typing import Any

from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from shop.cart.errors import CartError, InvalidQuantityError
from shop.form_fields import PrintableText, ShopForm, WholeNumberField, has_control_characters

WHOLE_NUMBER_MESSAGE = "Quantity must be a whole number, like 1 or 2."


class AddToCartForm(ShopForm):
    sku = HiddenField(validators=[PrintableText(), DataRequired("Choose an option first."), Length(max=64)])
    quantity = WholeNumberField(
        "Quantity",
        message=WHOLE_NUMBER_MESSAGE,
        default=1,
        validators=[
            InputRequired(WHOLE_NUMBER_MESSAGE),
            NumberRange(min=1, message="Choose a quantity of at least 1."),
        ],
    )


class UpdateCartLineForm(ShopForm):
    sku = HiddenField(
        validators=[PrintableText(), DataRequired("That item isn't in your cart."), Length(max=64)]
    )
    quantity = WholeNumberField(
        "Quantity",
        message=WHOLE_NUMBER_MESSAGE,
        validators=[
            InputRequired(WHOLE_NUMBER_MESSAGE),
            NumberRange(min=0, message="Quantity cannot be negative."),
        ],
    )


class CartCountryForm(ShopForm):
    """The cart's country picker without JavaScript; the service decides whether the shop ships there."""

    country = HiddenField(validators=[PrintableText(), Length(max=64)])


class RemoveCartLineForm(ShopForm):
    sku = HiddenField(
        validators=[PrintableText(), DataRequired("That item isn't in your cart."), Length(max=64)]
    )


def first_error(form: ShopForm) -> str:
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return "Please check the form and try again."


def read_cart_item_json(payload: Any, *, default_quantity: int | None) -> tuple[str, int]:
    """(sku, quantity) from a JSON body, or a CartError saying what is wrong with its shape."""
    if not isinstance(payload, dict):
        raise CartError('Send a JSON object such as {"sku": "MUG-ENAMEL", "quantity": 1}.')
    sku = payload.get("sku")
    if not isinstance(sku, str) or not sku.strip() or len(sku) > 64 or has_control_characters(sku):
        raise CartError("sku must be the item's SKU, such as MUG-ENAMEL.")
    quantity = payload.get("quantity", default_quantity)
    if quantity is None:
        raise InvalidQuantityError("quantity is required.")
    # bool is an int subclass in Python; true must not mean 1.
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantityError(WHOLE_NUMBER_MESSAGE)
    return sku.strip(), quantity


def read_country_json(payload: Any) -> object:
    """The country from a JSON body such as {"country": "CA"}, or a CartError about its shape."""
    if not isinstance(payload, dict) or "country" not in payload:
        raise CartError('Send a JSON object such as {"country": "CA"}.')
    return payload["country"]


class DiscountCodeForm(ShopForm):
    """The code box of the cart and of the checkout page; what makes a code (and why it does not apply)
    is decided by shop/discounts."""

    code = StringField("Discount code", validators=[PrintableText()])


class RemoveDiscountForm(ShopForm):
    pass


def read_discount_json(payload: Any) -> str | None:
    """The code from `{"code": "…"}` (None: `{"code": null}` removes it), or a CartError."""
    if not isinstance(payload, dict) or "code" not in payload:
        raise CartError('Send a JSON object such as {"code": "SPORES10"}, or {"code": null} to remove it.')
    code = payload["code"]
    if code is not None and not isinstance(code, str):
        raise CartError('code must be text such as "SPORES10", or null to remove it.')
    return code
