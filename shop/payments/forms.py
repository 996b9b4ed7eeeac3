"""The dev payment page's buttons (one form, the pressed button names the action)."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import AnyOf, DataRequired

from shop.form_fields import PrintableText
from shop.payments.dev_provider import DEV_ACTIONS


class DevPaymentForm(FlaskForm):
    action = StringField(validators=[PrintableText(), DataRequired(), AnyOf(list(DEV_ACTIONS))])
