"""The delete-account form: shape checks only (shop/privacy/services.py decides)."""

from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length

from shop.form_fields import ShopForm


class DeleteAccountForm(ShopForm):
    password = PasswordField(
        "Your password",
        validators=[
            DataRequired("Enter your password to confirm it's you. Nothing was deleted."),
            Length(max=256, message="That is too long."),
        ],
    )
    keep_newsletter = BooleanField("Keep me on the newsletter (only the newsletter record stays)")
    understood = BooleanField("I understand: my account is deleted for good and this cannot be undone")
