"""What an article page's comment section shows: the approved comments (rendered once and cached with the
page) and the form to leave one (rendered per request: its CSRF token and fill-time stamp are fresh)."""

from flask import render_template

from shop import anonymous_pages
from shop.journal import comments
from shop.journal.comment_forms import CommentForm

# The per-visitor value (shop/anonymous_pages.py) the comment form's start stamp is marked as.
COMMENT_STAMP = "comment-stamp"


def comment_list_html(article_id: int) -> str:
    """The approved comments and the shop's replies, as cacheable HTML with no email address in it."""
    return render_template("journal/_comment_list.html", comments=comments.list_public_comments(article_id))


def fresh_comment_form(
    article_id: int, form: CommentForm | None = None, *, keep_stamp: bool = False
) -> CommentForm:
    """The comment form (or the one just posted, with its text), stamped now (comments.form_stamp).
    `keep_stamp`: a form refused for being quick keeps its first stamp, so the next press is taken."""
    form = form or CommentForm(formdata=None)
    if not keep_stamp:
        # A stored copy of the page for new visitors gets a fresh stamp per request in its place.
        form.started.data = anonymous_pages.per_visitor(
            COMMENT_STAMP, comments.form_stamp(article_id), article_id
        )
    return form
