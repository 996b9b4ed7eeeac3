"""A reader's comments, for a customer's own data requests (docs/rules.md#your-data): what the export
shows, and what deleting the account does to them. Comments carry an address, not an account, so they
are the comments written with the account's confirmed address. Nothing here commits."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from shop.catalog.services import bump_catalog_revision
from shop.extensions import db
from shop.journal.comment_models import ArticleComment, CommentEmailOptOut, CommentStatus

# What an approved comment shows as its author once the account that wrote it is deleted.
FORMER_CUSTOMER = "A former customer"


def _readers_comments(email: str) -> sa.ColumnElement[bool]:
    return sa.and_(ArticleComment.email == email, ArticleComment.is_staff_reply.is_(False))


def comments_export(email: str) -> list[dict[str, Any]]:
    """Every comment written with the address, in any state, with its article: one query."""
    comments = db.session.scalars(
        sa.select(ArticleComment)
        .where(_readers_comments(email))
        .options(joinedload(ArticleComment.article))
        .order_by(ArticleComment.created_at, ArticleComment.id)
    ).all()
    return [
        {
            "article": comment.article.title,
            "article_slug": comment.article.slug,
            "name": comment.author_name,
            "body": comment.body,
            "status": comment.status,
            "written_at": comment.created_at.isoformat(),
            "approved_at": comment.approved_at.isoformat() if comment.approved_at else None,
        }
        for comment in comments
    ]


def forget_comments(email: str, *, placeholder: str) -> tuple[int, int]:
    """The account is going. Comments never shown (pending, spam) are deleted with any replies; approved
    ones stay so the conversation under an article still reads, with "A former customer" as the name
    and the placeholder address. The address's "stop these emails" entry goes too. Returns
    (anonymised, deleted)."""
    hidden = sa.select(ArticleComment.id).where(
        _readers_comments(email), ArticleComment.status != CommentStatus.APPROVED
    )
    hidden_ids = list(db.session.scalars(hidden))
    if hidden_ids:
        # Replies first: SQLite may not enforce the cascade.
        db.session.execute(sa.delete(ArticleComment).where(ArticleComment.parent_id.in_(hidden_ids)))
        db.session.execute(sa.delete(ArticleComment).where(ArticleComment.id.in_(hidden_ids)))
    anonymised = db.session.execute(
        sa.update(ArticleComment)
        .where(_readers_comments(email))
        .values(author_name=FORMER_CUSTOMER, email=placeholder)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(sa.delete(CommentEmailOptOut).where(CommentEmailOptOut.email == email))
    if anonymised:
        bump_catalog_revision()  # the article pages show the new name at once
    return anonymised or 0, len(hidden_ids)
