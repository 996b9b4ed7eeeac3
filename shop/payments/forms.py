"""The dev payment page's buttons (one form, the pressed button names the action)."""

from wtforms import StringField
from wtforms.validators import AnyOf, DataRequired

from shop.form_fields import PrintableText, ShopForm
from shop.payments.dev_provider import DEV_ACTIONS


class DevPaymentForm(ShopForm):
    action = StringField(validators=[PrintableText(), DataRequired(), AnyOf(list(DEV_ACTIONS))])
