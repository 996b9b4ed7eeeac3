"""Staff's article forms: shape only; shop/journal/staff_actions.py enforces the rules."""

from datetime import UTC, datetime
from typing import Any

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from shop.form_fields import PrintableText, ShopForm
from shop.journal.staff_actions import MAX_BODY_CHARS, MAX_SLUG_LENGTH


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class ProductChoices(SelectMultipleField):
    """Related products as checkboxes; ids that are not offered are the form's error, not a 500."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ArticleForm(ShopForm):
    title = StringField(
        "Title",
        filters=[_strip],
        validators=[PrintableText(), DataRequired("Give the article a title."), Length(max=200)],
    )
    slug = StringField(
        "Web address",
        filters=[_strip],
        validators=[PrintableText(), Optional(), Length(max=MAX_SLUG_LENGTH)],
        description="The part after /journal/. Leave empty to make one from the title.",
    )
    summary = TextAreaField(
        "Summary",
        filters=[_strip],
        validators=[PrintableText(), Length(max=300)],
        description="One line under the title; also what search engines and the feed show.",
    )
    body_markdown = TextAreaField(
        "Article (Markdown)",
        validators=[
            PrintableText(multi_line=True),
            Length(max=MAX_BODY_CHARS, message=f"Keep the article under {MAX_BODY_CHARS:,} characters."),
        ],
        description="## for a section heading, **bold**, *italic*, [a link](https://…), - for a list, "
        "> for a quote. HTML is shown as text.",
    )
    author_name = StringField("Author", filters=[_strip], validators=[PrintableText(), Length(max=120)])
    topic = StringField(
        "Topic",
        filters=[_strip],
        validators=[PrintableText(), Length(max=60)],
        description="Readers can list the articles of one topic, like Relationships.",
    )
    hero_image_alt = StringField(
        "Hero image description (alt text)", filters=[_strip], validators=[PrintableText(), Length(max=255)]
    )
    related_products = ProductChoices("Related products", coerce=int, validate_choice=True)


class ArticleActionForm(ShopForm):
    """Publish now or unpublish: only the CSRF token."""


class ArticleScheduleForm(ShopForm):
    publish_at = DateTimeLocalField(
        "Publish at (UTC)",
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired("Choose a date and time, like 2026-12-01 09:00.")],
    )

    def publish_at_utc(self) -> datetime:
        return self.publish_at.data.replace(tzinfo=UTC)


class ArticleImageForm(ShopForm):
    image = FileField(
        "Hero image (PNG, JPEG or WebP, up to 2 MB)", validators=[FileRequired("Choose an image file.")]
    )
    image_alt = StringField(
        "Image description (alt text)", filters=[_strip], validators=[PrintableText(), Length(max=255)]
    )
