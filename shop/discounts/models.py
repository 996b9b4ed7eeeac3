"""Discount code tables: the codes, the products a code is limited to, each use by an order, and the code
a cart carries."""

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import utcnow
from shop.extensions import db


class DiscountScope(enum.StrEnum):
    ALL = "all"
    MERCHANDISE = "merchandise"
    GUIDES = "guides"
    PRODUCTS = "products"


SCOPE_LABELS = {
    DiscountScope.ALL: "Everything",
    DiscountScope.MERCHANDISE: "Merchandise only",
    DiscountScope.GUIDES: "Guides only",
    DiscountScope.PRODUCTS: "Chosen products",
}


class CodeKind(enum.StrEnum):
    STANDARD = "standard"  # made by staff
    WELCOME = "welcome"  # made for one guide lead, bound to their email


class DiscountCode(db.Model):
    """A code shoppers type. Stored upper case; one of percent_bp / amount_cents is set.

    `uses_count` counts the uses held by orders (placed and not ended unpaid); the database refuses it
    above `usage_limit`, so a use limit holds whatever the application does.
    """

    __tablename__ = "discount_code"
    __table_args__: Any = (
        sa.CheckConstraint("(percent_bp IS NULL) <> (amount_cents IS NULL)", name="percent_or_amount"),
        sa.CheckConstraint(
            "percent_bp IS NULL OR (percent_bp > 0 AND percent_bp <= 10000)", name="percent_in_range"
        ),
        sa.CheckConstraint("amount_cents IS NULL OR amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint("min_subtotal_cents >= 0", name="minimum_not_negative"),
        sa.CheckConstraint(
            "uses_count >= 0 AND (usage_limit IS NULL OR uses_count <= usage_limit)",
            name="uses_within_limit",
        ),
        sa.CheckConstraint("usage_limit IS NULL OR usage_limit > 0", name="limit_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    kind: Mapped[str] = mapped_column(sa.String(20), default=CodeKind.STANDARD.value)
    percent_bp: Mapped[int | None]
    amount_cents: Mapped[int | None]
    scope: Mapped[str] = mapped_column(sa.String(20), default=DiscountScope.ALL.value)
    min_subtotal_cents: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    usage_limit: Mapped[int | None]
    uses_count: Mapped[int] = mapped_column(default=0)
    once_per_customer: Mapped[bool] = mapped_column(default=False)
    # A personal code: only this (normalised) email may use it.
    bound_email: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    first_order_only: Mapped[bool] = mapped_column(default=False)
    # The guide lead a welcome code was made for (the lead keeps at most one).
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lead.id", ondelete="SET NULL"), unique=True)
    paused: Mapped[bool] = mapped_column(default=False)
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    product_links: Mapped[list["DiscountCodeProduct"]] = relationship(
        back_populates="code", order_by="DiscountCodeProduct.product_id", cascade="all, delete-orphan"
    )

    @property
    def product_ids(self) -> set[int]:
        return {link.product_id for link in self.product_links}

    def __repr__(self) -> str:
        return f"<DiscountCode {self.code}>"


class DiscountCodeProduct(db.Model):
    """A product a "chosen products" code applies to."""

    __tablename__ = "discount_code_product"

    code_id: Mapped[int] = mapped_column(
        sa.ForeignKey("discount_code.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    code: Mapped[DiscountCode] = relationship(back_populates="product_links")


class DiscountRedemption(db.Model):
    """One order's use of a code, taken when the order is placed. `released_at` is set (once) when the
    order ended unpaid and the use went back to the code."""

    __tablename__ = "discount_redemption"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(sa.ForeignKey("discount_code.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("order.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str] = mapped_column(sa.String(320), index=True)
    discount_cents: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None]

    code: Mapped[DiscountCode] = relationship()


class CartDiscount(db.Model):
    """The code a cart carries (one per cart). It stays while the cart changes; whether it applies is
    decided each time the cart is priced."""

    __tablename__ = "cart_discount"

    cart_id: Mapped[int] = mapped_column(sa.ForeignKey("cart.id", ondelete="CASCADE"), primary_key=True)
    code_id: Mapped[int] = mapped_column(sa.ForeignKey("discount_code.id", ondelete="CASCADE"), index=True)
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)

    code: Mapped[DiscountCode] = relationship()
