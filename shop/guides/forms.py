"""Guide-gate submissions: the sign-up form (shape only; the rules live in services) and button-only forms."""

from typing import Any

from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import Length, Optional

from shop.form_fields import PrintableText, ShopForm, email_address_field
from shop.guides.services import MAX_FIRST_NAME_LENGTH


def _one_line(value: Any) -> Any:
    """Names stay on one line, whatever was pasted: runs of spaces, tabs and line breaks become one
    space (newlines would reach email bodies). Other control characters are refused, not dropped."""
    if not isinstance(value, str):
        return value
    return " ".join(value.split())


class LeadCaptureForm(ShopForm):
    email = email_address_field()
    first_name = StringField(
        "First name (optional)",
        filters=[_one_line],
        validators=[
            PrintableText(),
            Optional(),
            Length(
                max=MAX_FIRST_NAME_LENGTH,
                message=f"Keep your first name to {MAX_FIRST_NAME_LENGTH} characters or fewer.",
            ),
        ],
    )
    # Unticked by default: a yes must be an action. The label is the versioned text in guides.consent.
    marketing_consent = BooleanField(default=False)
    # The honeypot: hidden from people (CSS, aria-hidden, out of the tab order); bots fill it in.
    # Never validated: whatever is in it, the answer looks the same.
    website = StringField("Leave this field empty")
    # Which form and page the sign-up came from: recorded (the service cleans them), never used to redirect.
    form_id = HiddenField(validators=[PrintableText()])
    page = HiddenField(validators=[PrintableText()])


class GuideButtonForm(ShopForm):
    """A POST button (confirm, resend, renew, unsubscribe): only the CSRF token."""
