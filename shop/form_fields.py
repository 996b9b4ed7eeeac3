"""Form fields shared by every domain that asks for an email address."""

from typing import Any

from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length


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
        ],
        **kwargs,
    )
