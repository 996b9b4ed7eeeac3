"""The "email me a fresh link" form shown on expired, used-up and unknown download links."""

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import Length, Optional

from shop.form_fields import PrintableText, email_address_field


class FreshLinkForm(FlaskForm):
    email = email_address_field()
    token = HiddenField(validators=[PrintableText(), Optional(), Length(max=64)])
