"""The delete-account form: shape checks only (shop/privacy/services.py decides)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        "Your password",
        validators=[
            DataRequired("Enter your password to confirm it's you. Nothing was deleted."),
            Length(max=256, message="That is too long."),
        ],
    )
    keep_newsletter = BooleanField("Keep me on the newsletter (only the newsletter record stays)")
    understood = BooleanField("I understand: my account is deleted for good and this cannot be undone")
