"""Comment tables: readers' comments on articles (held for moderation), the shop's replies, and the
addresses that asked for no more "your comment is live" emails."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import utcnow
from shop.extensions import db

if TYPE_CHECKING:
    from shop.journal.models import Article


class CommentStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for staff; never shown publicly
    APPROVED = "approved"  # shown under the article
    SPAM = "spam"  # rejected; kept out of sight so a repeat can be recognised


class ArticleComment(db.Model):
    """A reader's comment, or (parent set, is_staff_reply) the shop's reply to one.

    The email address is for moderation and the approval email only: no public page, feed or
    structured data may show it (public reads go through shop.journal.comments.PublicComment).
    No IP address is kept: the rate limiter works on the request, and nothing here needs it afterwards.
    """

    __tablename__ = "article_comment"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'approved', 'spam')", name="status_known"),
        # The article page: its approved comments in order.
        sa.Index("ix_article_comment_article", "article_id", "status", "created_at"),
        # The moderation queue, oldest first.
        sa.Index("ix_article_comment_queue", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("article.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("article_comment.id", ondelete="CASCADE"), index=True
    )
    is_staff_reply: Mapped[bool] = mapped_column(default=False)
    # The staff member who wrote a reply (kept as the audit log does when the account goes).
    staff_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    author_name: Mapped[str] = mapped_column(sa.String(80))
    # Trimmed and lowercased; matched to find earlier approved comments from the same address.
    email: Mapped[str] = mapped_column(sa.String(320), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default=CommentStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None]
    # Set when the "your comment is live" email was queued, so approving twice emails once.
    approval_emailed_at: Mapped[datetime | None]

    article: Mapped["Article"] = relationship()

    def __repr__(self) -> str:
        return f"<ArticleComment {self.id}>"


class CommentEmailOptOut(db.Model):
    """An address that pressed "stop these emails": no approval email goes to it again."""

    __tablename__ = "comment_email_opt_out"

    email: Mapped[str] = mapped_column(sa.String(320), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
