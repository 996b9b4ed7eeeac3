"""The outgoing-email table: every message the shop sends, with its delivery state."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shop.clock import utcnow
from shop.extensions import db


class EmailStatus:
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after EMAIL_MAX_ATTEMPTS


class OutgoingEmail(db.Model):
    __tablename__ = "outgoing_email"
    __table_args__ = (sa.Index("ix_outgoing_email_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(320), index=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    headers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # "transactional" (orders, downloads) or "marketing" (carries unsubscribe headers)
    category: Mapped[str] = mapped_column(sa.String(20), default="transactional")
    template: Mapped[str] = mapped_column(sa.String(80))
    status: Mapped[str] = mapped_column(sa.String(16), default=EmailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<OutgoingEmail {self.id} {self.template} to {self.to_address} {self.status}>"
