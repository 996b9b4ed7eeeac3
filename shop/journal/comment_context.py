"""What an article page's comment section shows: the approved comments and a freshly dated form."""

from typing import Any

from shop.journal import comments
from shop.journal.comment_forms import CommentForm


def comment_section(article_id: int, form: CommentForm | None = None) -> dict[str, Any]:
    """Context for templates/journal/_comments.html. The form's stamp is new on every render, so a
    page must not be cached with it (shop.journal.comments.form_stamp)."""
    form = form or CommentForm(formdata=None)
    form.started.data = comments.form_stamp(article_id)
    return {"comments": comments.list_public_comments(article_id), "comment_form": form}
