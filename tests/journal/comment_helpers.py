"""Helpers for the comment tests: a comment form dated long enough ago, comments in any state (articles come
from tests/journal/helpers.py)."""

from datetime import datetime, timedelta
from typing import Any

from shop.clock import utcnow
from shop.extensions import db
from shop.journal import comments
from shop.journal.comment_models import ArticleComment, CommentStatus
from shop.journal.models import Article


def old_stamp(article_id: int, seconds: int = 30) -> str:
    """A form stamp from `seconds` ago: a person who took their time."""
    return comments.form_stamp(article_id, now=utcnow() - timedelta(seconds=seconds))


def submit(article: Article, **overrides: Any) -> comments.SubmitResult:
    values: dict[str, Any] = {
        "name": "Robin Reader",
        "email": "robin@example.com",
        "body": "Thank you, this helped me start writing again.",
        "honeypot": "",
        "form_stamp_value": old_stamp(article.id),
    }
    values.update(overrides)
    return comments.submit_comment(article.id, **values)


def add_comment(
    article: Article,
    *,
    status: str = CommentStatus.PENDING,
    email: str = "robin@example.com",
    name: str = "Robin Reader",
    body: str = "A comment.",
    created_at: datetime | None = None,
) -> ArticleComment:
    comment = ArticleComment(
        article_id=article.id,
        author_name=name,
        email=email,
        body=body,
        status=status,
        created_at=created_at or utcnow(),
        approved_at=utcnow() if status == CommentStatus.APPROVED else None,
    )
    db.session.add(comment)
    db.session.commit()
    return comment


def comment_form(article: Article, **overrides: str) -> dict[str, str]:
    """The posted form as a browser sends it, dated long enough ago."""
    form = {
        "name": "Robin Reader",
        "email": "robin@example.com",
        "body": "Thank you, this helped me start writing again.",
        "website": "",
        "started": old_stamp(article.id),
    }
    form.update(overrides)
    return form
