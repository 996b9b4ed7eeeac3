"""Download grants (one emailed link each) and the log of every download attempt."""

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import utcnow
from shop.extensions import db

if TYPE_CHECKING:
    from shop.catalog.models import Product


class DownloadGrant(db.Model):
    """The right to download one guide a few times until a date. Only the token's hash is stored."""

    __tablename__ = "download_grant"
    __table_args__ = (
        sa.CheckConstraint("download_count >= 0", name="count_not_negative"),
        sa.CheckConstraint("download_count <= max_downloads", name="count_within_limit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str] = mapped_column(sa.String(320), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime]
    max_downloads: Mapped[int]
    download_count: Mapped[int] = mapped_column(default=0)
    revoked_at: Mapped[datetime | None]
    # The lead whose confirmed email earned this grant (the free guide); erasing the lead deletes it.
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    # The grant this one replaced when a fresh link was requested; order/lead columns come from those domains.
    reissued_from_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("download_grant.id", ondelete="SET NULL")
    )
    # The order that paid for it. CASCADE: orders are financial records and are not deleted in normal
    # operation; if one ever is, its grants must go with it rather than live on, unrevokable, as orphans.
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("order.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_downloaded_at: Mapped[datetime | None]

    product: Mapped["Product"] = relationship()

    def __repr__(self) -> str:
        return (
            f"<DownloadGrant {self.id} product={self.product_id} {self.download_count}/{self.max_downloads}>"
        )


class DownloadEvent(db.Model):
    """Every request for a download link, served or not."""

    __tablename__ = "download_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("download_grant.id", ondelete="CASCADE"), index=True
    )
    # served (counted) | partial | not_modified | unsatisfiable | head | prefetch | expired | used_up |
    # revoked | missing_file. Unknown tokens leave no row (only a log line).
    outcome: Mapped[str] = mapped_column(sa.String(20))
    counted: Mapped[bool] = mapped_column(default=False)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Columns naming where a grant came from (an order, a lead). Later domains add theirs, and a
# reissued grant copies them so a refund or an erasure still reaches fresh links.
GRANT_SOURCE_COLUMNS: tuple[str, ...] = ("order_id", "lead_id")
