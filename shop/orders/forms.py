"""The order page's download button: a POST (mail scanners follow links, they don't press buttons)."""

from wtforms import HiddenField
from wtforms.validators import Length, Optional

from shop.form_fields import PrintableText, ShopForm


class OrderDownloadForm(ShopForm):
    # The signed link's token; empty when the logged-in owner opened the order from their account.
    t = HiddenField(validators=[PrintableText(), Optional(), Length(max=200)])
