"""Order tables: the order (totals and address copied at checkout), its lines, its timeline, and the
payment-provider events already applied to it."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import utcnow
from shop.extensions import db

if TYPE_CHECKING:
    from shop.catalog.models import Product, ProductVariant
    from shop.orders.invoice_models import CreditNote, Invoice


class OrderStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    FULFILLED = "fulfilled"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    PAYMENT_FAILED = "payment_failed"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


FULLY_PAID_STATUSES = frozenset({OrderStatus.PAID, OrderStatus.FULFILLED})
_STATUS_VALUES = ", ".join(f"'{status.value}'" for status in OrderStatus)
# Paid orders with something still to ship (orders.staff_actions.awaiting_shipment, as an index predicate).
TO_SHIP = sa.text(
    "status IN ('paid', 'partially_refunded') AND requires_shipping IS TRUE AND shipped_at IS NULL"
)


# The operator class of pg_trgm, qualified: the extension lives in the public schema (see
# create_trigram_extension), whatever the connection's search_path.
TRIGRAM_OPS = "public.gin_trgm_ops"
CREATE_TRIGRAM_EXTENSION = "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"


class Order(db.Model):
    __tablename__ = "order"
    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_STATUS_VALUES})", name="status_known"),
        sa.CheckConstraint(
            "subtotal_cents >= 0 AND shipping_cents >= 0 AND tax_cents >= 0 AND total_cents >= 0",
            name="amounts_not_negative",
        ),
        sa.CheckConstraint(
            "refunded_cents >= 0 AND refunded_cents <= total_cents", name="refund_within_total"
        ),
        sa.CheckConstraint(
            "discount_cents >= 0 AND discount_cents <= subtotal_cents", name="discount_within_subtotal"
        ),
        sa.CheckConstraint(
            "refunded_tax_cents >= 0 AND refunded_tax_cents <= tax_cents", name="refunded_tax_within_tax"
        ),
        # The sweep's query: pending orders whose reservation ran out.
        sa.Index("ix_order_reservation_sweep", "status", "reservation_expires_at"),
        # The reports' date ranges (shop/admin/insights.py); on PostgreSQL an index-only scan.
        sa.Index(
            "ix_order_paid_at_reports",
            "paid_at",
            postgresql_include=[
                "status",
                "total_cents",
                "refunded_cents",
                "requires_shipping",
                "shipping_cents",
                "email",
            ],
        ),
        # The dashboard's "waiting to ship" list and count: few rows, however many orders have shipped.
        sa.Index(
            "ix_order_to_ship",
            "paid_at",
            postgresql_where=TO_SHIP,
            sqlite_where=TO_SHIP,
        ),
        # The staff list filtered by status, newest first: one index range, already in the list's order.
        sa.Index("ix_order_status_created", "status", "created_at", "id"),
        # The staff list's search by part of an email or order number (ILIKE '%…%'): trigram indexes on
        # PostgreSQL (the pg_trgm extension, created in the public schema); SQLite reads its few orders.
        *(
            sa.Index(
                f"ix_order_{column}_trgm",
                column,
                postgresql_using="gin",
                postgresql_ops={column: TRIGRAM_OPS},
            ).ddl_if(dialect="postgresql")
            for column in ("email", "number")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Human-friendly and random (GS-7K3Q9P): order numbers say nothing about volume or neighbours.
    number: Mapped[str] = mapped_column(sa.String(16), unique=True)
    # Hash of the one-time checkout form key: a replayed form finds this order instead of making another.
    checkout_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str] = mapped_column(sa.String(320), index=True)
    # The customer account the order belongs to: set when a logged-in customer checks out, or when a
    # guest order's email is (or later becomes) an account's confirmed address (shop/accounts/linking.py).
    # The order outlives the account: deleting one sets this to NULL.
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(24), default=OrderStatus.PENDING_PAYMENT)
    currency: Mapped[str] = mapped_column(sa.String(3))

    # Totals as pricing.order_totals() computed them when the order was placed; never recomputed.
    subtotal_cents: Mapped[int]
    merchandise_subtotal_cents: Mapped[int]
    shipping_cents: Mapped[int]
    # The code's discount, already spread over the lines (OrderLine.discount_cents adds up to it).
    discount_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    discount_code: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    tax_cents: Mapped[int] = mapped_column(default=0)
    # True when the payment provider reckons the tax (Stripe Tax): tax_cents and total_cents are set
    # from the completed payment, not from the shop's tax table.
    tax_from_provider: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    total_cents: Mapped[int]
    # Where tax was reckoned for an order that ships nowhere: the country the shopper picked, and the
    # state (two-letter code) where the tax table taxes that country's states differently (the US).
    billing_country: Mapped[str | None] = mapped_column(sa.String(2))
    billing_state: Mapped[str | None] = mapped_column(sa.String(2))
    refunded_cents: Mapped[int] = mapped_column(default=0)
    # The tax part of refunded_cents (shop.pricing.refund_tax_cents and line_refund).
    refunded_tax_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    # Whether a line refund gave the shipping back (with the tax not on a line: Stripe Tax's share of it).
    shipping_refunded: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    requires_shipping: Mapped[bool]

    ship_name: Mapped[str | None] = mapped_column(sa.String(200))
    ship_line1: Mapped[str | None] = mapped_column(sa.String(200))
    ship_line2: Mapped[str | None] = mapped_column(sa.String(200))
    ship_city: Mapped[str | None] = mapped_column(sa.String(120))
    ship_region: Mapped[str | None] = mapped_column(sa.String(120))
    ship_postal_code: Mapped[str | None] = mapped_column(sa.String(20))
    ship_country: Mapped[str | None] = mapped_column(sa.String(2))

    # Stock is held from checkout until this moment; the release happens once, recorded here.
    reservation_expires_at: Mapped[datetime]
    reservation_released_at: Mapped[datetime | None]

    payment_provider: Mapped[str | None] = mapped_column(sa.String(16))
    payment_session_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    payment_url: Mapped[str | None] = mapped_column(sa.String(2000))
    payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)

    # Set when a person must look: a payment that did not match, a late payment with no stock left.
    needs_attention: Mapped[bool] = mapped_column(default=False, index=True)
    attention_reason: Mapped[str | None] = mapped_column(sa.String(500))

    # The browser's cart, so the purchased items leave it once paid.
    cart_token: Mapped[str | None] = mapped_column(sa.String(64))

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    paid_at: Mapped[datetime | None]
    fulfilled_at: Mapped[datetime | None]

    # Set once, when staff mark a physical order shipped (shop/orders/staff_actions.py).
    shipping_carrier: Mapped[str | None] = mapped_column(sa.String(20))
    tracking_number: Mapped[str | None] = mapped_column(sa.String(64))
    shipped_at: Mapped[datetime | None]

    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    events: Mapped[list["OrderEvent"]] = relationship(
        back_populates="order", order_by="OrderEvent.id", cascade="all, delete-orphan"
    )
    # Numbered at payment (shop/orders/invoices.py); kept as long as the order.
    invoice: Mapped["Invoice | None"] = relationship(back_populates="order")
    credit_notes: Mapped[list["CreditNote"]] = relationship(back_populates="order", order_by="CreditNote.id")

    @property
    def tax_rates_bp(self) -> tuple[int, ...]:
        """The tax rates its lines were taxed at, in basis points (none when the provider reckoned it)."""
        return tuple(sorted({line.tax_rate_bp for line in self.lines if line.tax_rate_bp and line.tax_cents}))

    @property
    def shipping_tax_cents(self) -> int:
        """The order's tax not on any line: shipping's share of tax the payment provider computed
        (shop/orders/provider_tax.py); 0 under the shop's table, which taxes no shipping."""
        return max(self.tax_cents - sum(line.tax_cents for line in self.lines), 0)

    @property
    def is_digital_only(self) -> bool:
        return not self.requires_shipping

    @property
    def is_fully_paid(self) -> bool:
        """Paid, and neither refunded (even partly) nor cancelled: its guides may be downloaded."""
        return self.status in FULLY_PAID_STATUSES

    @property
    def reservation_held(self) -> bool:
        return self.reservation_released_at is None

    def __repr__(self) -> str:
        return f"<Order {self.number} {self.status}>"


class OrderLine(db.Model):
    """One item as bought: name, SKU and unit price are copies, so later catalog edits change nothing."""

    __tablename__ = "order_line"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price_cents >= 0", name="price_not_negative"),
        sa.CheckConstraint(
            "discount_cents >= 0 AND discount_cents <= unit_price_cents * quantity AND tax_cents >= 0",
            name="line_discount_and_tax_in_range",
        ),
        sa.CheckConstraint(
            "refunded_quantity >= 0 AND refunded_quantity <= quantity"
            " AND refunded_cents >= 0 AND refunded_cents <= unit_price_cents * quantity - discount_cents"
            " AND refunded_tax_cents >= 0 AND refunded_tax_cents <= tax_cents",
            name="line_refund_within_line",
        ),
        # The best-sellers report adds up a range's lines from the index alone on PostgreSQL.
        sa.Index(
            "ix_order_line_order_id",
            "order_id",
            postgresql_include=["product_id", "is_digital", "quantity", "unit_price_cents"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("order.id", ondelete="CASCADE"))
    # Kept when the catalog row goes away: the line's copies still describe what was bought.
    variant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product_variant.id", ondelete="SET NULL"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product.id", ondelete="SET NULL"), index=True
    )
    sku: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    unit_price_cents: Mapped[int]
    quantity: Mapped[int]
    is_digital: Mapped[bool]
    # This line's share of the order's discount, and the tax on what is left (rate in basis points).
    discount_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    tax_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    tax_rate_bp: Mapped[int | None]
    # What line refunds gave back of this line (shop.pricing.line_refund): units, net and tax. Refunds by
    # amount are not attributed to lines and leave these alone.
    refunded_quantity: Mapped[int] = mapped_column(default=0, server_default="0")
    refunded_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    refunded_tax_cents: Mapped[int] = mapped_column(default=0, server_default="0")

    order: Mapped[Order] = relationship(back_populates="lines")
    variant: Mapped["ProductVariant | None"] = relationship()
    product: Mapped["Product | None"] = relationship()

    @property
    def gross_cents(self) -> int:
        """Unit price × quantity, before the discount."""
        return self.unit_price_cents * self.quantity

    @property
    def line_total_cents(self) -> int:
        """What the line costs after its discount, before tax."""
        return self.gross_cents - self.discount_cents

    @property
    def paid_cents(self) -> int:
        """What the customer paid for the line: its net after the discount, plus its tax."""
        return self.line_total_cents + self.tax_cents

    @property
    def line_refunded_cents(self) -> int:
        """What line refunds gave back of the line, tax included."""
        return self.refunded_cents + self.refunded_tax_cents

    @property
    def quantity_left(self) -> int:
        return self.quantity - self.refunded_quantity


class OrderEvent(db.Model):
    """The order's timeline: every status change and anything worth telling staff, append-only."""

    __tablename__ = "order_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("order.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who: "shopper", "payments" (provider events), "system" (sweeps), "staff:<email>" later.
    actor: Mapped[str] = mapped_column(sa.String(120))
    # What: "status" for transitions, or "flagged", "address", "refund", "note", ...
    kind: Mapped[str] = mapped_column(sa.String(40))
    from_status: Mapped[str | None] = mapped_column(sa.String(24))
    to_status: Mapped[str | None] = mapped_column(sa.String(24))
    note: Mapped[str] = mapped_column(sa.Text, default="")

    order: Mapped[Order] = relationship(back_populates="events")


class PaymentEventRecord(db.Model):
    """A provider event (Stripe event id) already applied; stored with its effects, so a replay is a no-op."""

    __tablename__ = "payment_event_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    event_type: Mapped[str] = mapped_column(sa.String(80))
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("order.id", ondelete="SET NULL"), index=True)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)


# create_all (tests, a new database) needs pg_trgm before the order table's trigram indexes.
sa.event.listen(
    Order.__table__, "before_create", sa.DDL(CREATE_TRIGRAM_EXTENSION).execute_if(dialect="postgresql")
)
