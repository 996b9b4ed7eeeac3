"""The "email me a fresh link" form shown on expired, used-up and unknown download links."""

from wtforms import HiddenField
from wtforms.validators import Length, Optional

from shop.form_fields import PrintableText, ShopForm, email_address_field


class FreshLinkForm(ShopForm):
    email = email_address_field()
    token = HiddenField(validators=[PrintableText(), Optional(), Length(max=64)])
