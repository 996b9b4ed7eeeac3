"""Invoice and credit-note tables, and the per-year counters their numbers come from
(docs/rules.md#invoices)."""

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import utcnow
from shop.extensions import db

if TYPE_CHECKING:
    from shop.orders.models import Order


class DocumentCounter(db.Model):
    """The last number handed out in one series (`INV` or `CN`) and year. Its row is locked by the
    update that takes the next number, until the transaction that uses the number ends, so numbers are
    consecutive and a rolled-back transaction hands its number back."""

    __tablename__ = "document_counter"

    series: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class Invoice(db.Model):
    """A paid order's invoice: one per order, numbered when the order is paid, never deleted. What it
    shows is read from the order at render time."""

    __tablename__ = "invoice"
    __table_args__ = (sa.UniqueConstraint("year", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)  # 2026-000001
    year: Mapped[int]
    sequence: Mapped[int]
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("order.id"), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped["Order"] = relationship(back_populates="invoice")
    credit_notes: Mapped[list["CreditNote"]] = relationship(
        back_populates="invoice", order_by="CreditNote.id"
    )


class CreditNote(db.Model):
    """Money given back on an invoiced order: one per refund (or cancellation), with its own series."""

    __tablename__ = "credit_note"
    __table_args__ = (
        sa.UniqueConstraint("year", "sequence"),
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint("tax_cents >= 0 AND tax_cents <= amount_cents", name="tax_within_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(24), unique=True)  # CN-2026-000001
    year: Mapped[int]
    sequence: Mapped[int]
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("order.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoice.id"), index=True)
    amount_cents: Mapped[int]
    # How much of the amount was tax given back (shop.pricing.refund_tax_cents, or the lines' tax).
    tax_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped["Order"] = relationship(back_populates="credit_notes")
    invoice: Mapped[Invoice] = relationship(back_populates="credit_notes")
    # The lines a refund by lines gave back; none for a refund by amount.
    lines: Mapped[list["CreditNoteLine"]] = relationship(
        back_populates="credit_note", order_by="CreditNoteLine.id"
    )


class CreditNoteLine(db.Model):
    """One order line (or the shipping) a refund by lines gave back: the units, their net and their tax.
    The description and SKU are copies, like the order line's."""

    __tablename__ = "credit_note_line"
    __table_args__ = (
        sa.CheckConstraint(
            "quantity >= 0 AND net_cents >= 0 AND tax_cents >= 0", name="credit_line_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_note_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_note.id"), index=True)
    # None for the shipping.
    order_line_id: Mapped[int | None] = mapped_column(sa.ForeignKey("order_line.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(sa.String(200))
    sku: Mapped[str] = mapped_column(sa.String(64), default="")
    quantity: Mapped[int]  # 0 for the shipping
    net_cents: Mapped[int]
    tax_cents: Mapped[int]

    credit_note: Mapped[CreditNote] = relationship(back_populates="lines")
