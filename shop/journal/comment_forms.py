"""Comment submissions: the reader's form, the moderation queue's bulk action and the shop's reply.
Shape only (a real email address, printable text, whole-number ids); shop/journal/comments.py: rules."""

from typing import Any

from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError

from shop.form_fields import PrintableText, ShopForm, email_address_field
from shop.journal.comments import ModerationAction
from shop.whole_numbers import parse_whole_number

MAX_IDS_AT_ONCE = 200


class CommentForm(ShopForm):
    name = StringField("Name", validators=[PrintableText()])
    email = email_address_field("Email")
    body = TextAreaField("Comment", validators=[PrintableText(multi_line=True)])
    # The honeypot: hidden from people (CSS, aria-hidden, out of the tab order); bots fill it in.
    website = StringField("Leave this field empty", validators=[PrintableText()])
    # When the form was shown, signed (shop.journal.comments.form_stamp).
    started = HiddenField(validators=[PrintableText()])


def _comment_id(value: Any) -> int:
    number = parse_whole_number(str(value), max_digits=9)
    if number is None or number < 1:
        raise ValueError("Unknown comment.")
    return number


class CommentModerationForm(ShopForm):
    action = SelectField(
        "Action",
        choices=[
            SelectChoice(ModerationAction.APPROVE, "Approve"),
            SelectChoice(ModerationAction.SPAM, "Reject as spam"),
            SelectChoice(ModerationAction.DELETE, "Delete"),
        ],
        validators=[DataRequired("Choose what to do with the ticked comments.")],
    )
    comment_ids = SelectMultipleField("Comments", coerce=_comment_id, validate_choice=False)

    def validate_comment_ids(self, field: Any) -> None:
        if not field.data:
            raise ValidationError("Tick at least one comment first.")
        if len(field.data) > MAX_IDS_AT_ONCE:
            raise ValidationError(f"Moderate at most {MAX_IDS_AT_ONCE} comments at once.")


class CommentReplyForm(ShopForm):
    body = TextAreaField(
        "Reply as the shop",
        validators=[PrintableText(multi_line=True), DataRequired("Write a reply before posting.")],
    )
