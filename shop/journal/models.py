"""Journal tables: articles and the products staff relate to them."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import utcnow
from shop.extensions import db

if TYPE_CHECKING:
    from shop.catalog.models import Product


class ArticleStatus(enum.StrEnum):
    DRAFT = "draft"
    # Goes live by itself once published_at (copied from publish_at) has passed: no job flips it.
    SCHEDULED = "scheduled"
    PUBLISHED = "published"


article_product = sa.Table(
    "article_product",
    db.metadata,
    sa.Column("article_id", sa.ForeignKey("article.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("product_id", sa.ForeignKey("product.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Article(db.Model):
    __tablename__ = "article"
    __table_args__ = (
        sa.CheckConstraint("status IN ('draft', 'scheduled', 'published')", name="status_known"),
        sa.CheckConstraint("view_count >= 0", name="view_count_not_negative"),
        # The public listing: live articles, newest first.
        sa.Index("ix_article_listing", "status", "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    # The line under the title; also the meta description and the feed's summary.
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    body_markdown: Mapped[str] = mapped_column(sa.Text, default="")
    hero_image_path: Mapped[str | None] = mapped_column(sa.String(255))
    hero_image_alt: Mapped[str] = mapped_column(sa.String(255), default="")
    author_name: Mapped[str] = mapped_column(sa.String(120), default="")
    topic: Mapped[str] = mapped_column(sa.String(60), default="", index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=ArticleStatus.DRAFT)
    # When staff asked a scheduled article to go live.
    publish_at: Mapped[datetime | None]
    # When the article is (or will be) public; None for a draft never published.
    published_at: Mapped[datetime | None]
    # Page views, added in batches from a fast counter (never one write per view).
    view_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    related_products: Mapped[list["Product"]] = relationship(
        secondary=article_product, order_by="Product.position, Product.id"
    )

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"
