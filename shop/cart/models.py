"""Cart tables: a cart per browser (token in the session cookie) and its lines."""

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import utcnow
from shop.extensions import db

if TYPE_CHECKING:
    from shop.catalog.models import ProductVariant


class Cart(db.Model):
    __tablename__ = "cart"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # A logged-in customer's cart; one per customer, so it follows them between browsers.
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)

    lines: Mapped[list["CartLine"]] = relationship(
        back_populates="cart", order_by="CartLine.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Cart {self.id}>"


class CartLine(db.Model):
    __tablename__ = "cart_line"
    __table_args__ = (
        sa.UniqueConstraint("cart_id", "variant_id", name="uq_cart_line_cart_variant"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(sa.ForeignKey("cart.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product_variant.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cart: Mapped[Cart] = relationship(back_populates="lines")
    variant: Mapped["ProductVariant"] = relationship()
