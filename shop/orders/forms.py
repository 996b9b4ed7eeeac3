"""The order page's download button: a POST (mail scanners follow links, they don't press buttons)."""

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length


class OrderDownloadForm(FlaskForm):
    t = HiddenField(validators=[DataRequired(), Length(max=200)])
