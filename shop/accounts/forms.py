"""Account forms: shape checks only (the password policy lives in passwords.py)."""

from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from shop.form_fields import PrintableText, ShopForm, email_address_field

PASSWORD_REQUIRED = "Enter your password."


def _password(label: str, message: str = PASSWORD_REQUIRED) -> PasswordField:
    return PasswordField(
        label, validators=[DataRequired(message), Length(max=256, message="That is too long.")]
    )


class RegisterForm(ShopForm):
    full_name = StringField(
        "Name (optional)",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[PrintableText(), Optional(), Length(max=120, message="Use at most 120 characters.")],
    )
    email = email_address_field()
    password = _password("Password", "Choose a password.")


class LoginForm(ShopForm):
    email = email_address_field()
    password = _password("Password")
    remember = BooleanField("Keep me logged in on this device")


class PasswordResetRequestForm(ShopForm):
    email = email_address_field()


class PasswordResetForm(ShopForm):
    password = _password("New password", "Choose a new password.")


class ChangePasswordForm(ShopForm):
    current_password = _password("Current password", "Enter your current password.")
    new_password = _password("New password", "Choose a new password.")


class ChangeEmailForm(ShopForm):
    new_email = email_address_field("New email address")
    password = _password("Password", "Enter your password to confirm it's you.")


class ConfirmForm(ShopForm):
    """A button that POSTs (confirmations, logout): CSRF only."""
