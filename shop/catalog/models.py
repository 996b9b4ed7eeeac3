"""Catalog tables: categories, products and their variants (the sellable SKUs)."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import utcnow
from shop.extensions import db


class ProductKind(enum.StrEnum):
    DIGITAL = "digital"
    PHYSICAL = "physical"


class ProductTaxType(enum.StrEnum):
    """What a product is for sales tax (the payment provider's product tax code follows from it)."""

    DIGITAL_GUIDE = "digital_guide"
    PRINTED_BOOK = "printed_book"
    APPAREL = "apparel"
    HOUSEWARES = "housewares"


class Category(db.Model):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    products: Mapped[list["Product"]] = relationship(back_populates="category")

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


def search_document_sql(table: str = "") -> str:
    """What a search reads on PostgreSQL: the product's name (weight A) and summary (weight B), stemmed as
    English. The GIN index ix_product_search is built on this very expression (unqualified) and a query
    must repeat it (qualified with `table.`) for the planner to use the index."""
    prefix = f"{table}." if table else ""
    return (
        f"setweight(to_tsvector('english'::regconfig, coalesce({prefix}name, '')), 'A') || "
        f"setweight(to_tsvector('english'::regconfig, coalesce({prefix}summary, '')), 'B')"
    )


class Product(db.Model):
    __tablename__ = "product"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('digital', 'physical')", name="kind_known"),
        sa.Index("ix_product_listing", "is_published", "position", "id"),
        # Full-text search by a word of the name or summary (PostgreSQL only; SQLite searches with LIKE).
        sa.Index("ix_product_search", sa.text(f"({search_document_sql()})"), postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    # Plain text; blank lines separate paragraphs. Rendered escaped.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    image_path: Mapped[str | None] = mapped_column(sa.String(255))
    image_alt: Mapped[str] = mapped_column(sa.String(255), default="")
    # Storage key of the PDF for digital guides (never a URL: files live outside static/).
    guide_file: Mapped[str | None] = mapped_column(sa.String(255))
    # The free guide handed out through the email gate; never sold through the cart.
    is_lead_magnet: Mapped[bool] = mapped_column(default=False)
    is_published: Mapped[bool] = mapped_column(default=False)
    is_featured: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    # What the product is for sales tax (ProductTaxType); unset: a guide if digital, else housewares.
    tax_type: Mapped[str | None] = mapped_column(sa.String(24))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    category: Mapped[Category] = relationship(back_populates="products")
    variants: Mapped[list["ProductVariant"]] = relationship(
        back_populates="product",
        order_by="ProductVariant.position, ProductVariant.id",
        cascade="all, delete-orphan",
    )

    @property
    def is_digital(self) -> bool:
        return self.kind == ProductKind.DIGITAL

    @property
    def is_physical(self) -> bool:
        return self.kind == ProductKind.PHYSICAL

    @property
    def effective_tax_type(self) -> ProductTaxType:
        if self.tax_type in set(ProductTaxType):
            return ProductTaxType(self.tax_type)
        return ProductTaxType.DIGITAL_GUIDE if self.is_digital else ProductTaxType.HOUSEWARES

    def __repr__(self) -> str:
        return f"<Product {self.slug}>"


class ProductVariant(db.Model):
    """A sellable SKU: a size of a tee, or the single variant of a product without options."""

    __tablename__ = "product_variant"
    __table_args__ = (
        sa.CheckConstraint("price_cents >= 0", name="price_not_negative"),
        sa.CheckConstraint("stock_on_hand IS NULL OR stock_on_hand >= 0", name="stock_not_negative"),
        # The dashboard's low-stock list: the lowest few, in order, without sorting every variant.
        sa.Index("ix_product_variant_stock", "stock_on_hand", "sku"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(sa.String(64), unique=True)
    option_name: Mapped[str | None] = mapped_column(sa.String(40))  # "Size"
    option_value: Mapped[str | None] = mapped_column(sa.String(40))  # "M"
    price_cents: Mapped[int]
    # None for digital items, which have no stock.
    stock_on_hand: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    product: Mapped[Product] = relationship(back_populates="variants")

    @property
    def display_name(self) -> str:
        if self.option_value:
            return f"{self.product.name} ({self.option_value})"
        return self.product.name

    def __repr__(self) -> str:
        return f"<ProductVariant {self.sku}>"


class CatalogRevision(db.Model):
    """A single counter bumped by every catalog or stock change; cached fragments are keyed by it."""

    __tablename__ = "catalog_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(default=1)


# The counter row must exist from the moment the table does (create_all in tests, migrations in life).
sa.event.listen(
    CatalogRevision.__table__,
    "after_create",
    sa.DDL("INSERT INTO catalog_revision (id, revision) VALUES (1, 1)"),
)


class StockAdjustment(db.Model):
    """Every manual change to a variant's stock, with who made it and why."""

    __tablename__ = "stock_adjustment"

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product_variant.id", ondelete="CASCADE"), index=True
    )
    delta: Mapped[int]
    stock_after: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(200))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    variant: Mapped[ProductVariant] = relationship()
