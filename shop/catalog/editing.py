"""Staff use cases on the catalog: create and edit products and variants, publish, stock, files.

Every change bumps the catalog revision (so cached pages refresh) and is written to the audit log,
in the same transaction.
"""

import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from shop.audit import services as audit
from shop.audit.services import Actor
from shop.catalog.models import (
    Category,
    Product,
    ProductKind,
    ProductTaxType,
    ProductVariant,
    StockAdjustment,
)
from shop.catalog.services import bump_catalog_revision
from shop.database import committing
from shop.errors import ShopError
from shop.extensions import db
from shop.storage import FileStorage

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SKU = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,63}$")
MAX_STOCK = 1_000_000
MAX_GUIDE_BYTES = 20 * 1024 * 1024
LOW_STOCK_THRESHOLD = 5


class CatalogEditError(ShopError):
    """An edit staff asked for breaks a rule; `field` names the form field it is about, if one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ProductDetails:
    name: str
    slug: str
    category_slug: str
    summary: str
    description: str
    image_alt: str
    is_featured: bool
    # ProductTaxType value; None: the default for the product's kind.
    tax_type: str | None = None


@dataclass(frozen=True)
class VariantDetails:
    sku: str
    option_name: str | None
    option_value: str | None
    price_cents: int


STAFF_PAGE_SIZE = 25


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def _category(slug: str) -> Category:
    category = db.session.scalar(sa.select(Category).where(Category.slug == slug))
    if category is None:
        raise CatalogEditError("Choose one of the categories.", "category")
    return category


def _check_product(details: ProductDetails, *, product_id: int | None) -> None:
    if not SLUG.match(details.slug):
        raise CatalogEditError("Use lowercase letters, digits and single hyphens, like canvas-tote.", "slug")
    clash = db.session.scalar(
        sa.select(Product.id).where(Product.slug == details.slug, Product.id != product_id)
    )
    if clash:
        raise CatalogEditError("Another product already uses that address.", "slug")
    if details.tax_type is not None and details.tax_type not in set(ProductTaxType):
        raise CatalogEditError("Choose one of the sales tax types.", "tax_type")


def _check_variant(details: VariantDetails, *, variant_id: int | None) -> None:
    if not SKU.match(details.sku):
        raise CatalogEditError("Use capital letters, digits and hyphens, like TOTE-CANVAS.", "sku")
    clash = db.session.scalar(
        sa.select(ProductVariant.id).where(ProductVariant.sku == details.sku, ProductVariant.id != variant_id)
    )
    if clash:
        raise CatalogEditError("Another item already uses that SKU.", "sku")
    if details.price_cents < 0:
        raise CatalogEditError("Prices cannot be negative.", "price")


def _record_edit(actor: Actor, action: str, product_id: int, summary: str, **details: object) -> None:
    """A catalog edit, in the caller's transaction: the audit log entry, and a new catalog revision so
    cached pages show it."""
    audit.record(actor, action, target_type="product", target_id=product_id, summary=summary, **details)
    bump_catalog_revision()


def _commit() -> None:
    try:
        with committing():
            pass  # the use case's changes, made before this call
    except IntegrityError as error:  # a concurrent edit took the slug or SKU first
        raise CatalogEditError("That address or SKU was just taken. Choose another.") from error


def list_products_for_staff(
    *, search: str, page: int, page_size: int = STAFF_PAGE_SIZE
) -> tuple[list[Product], int]:
    query = sa.select(Product)
    if search:
        pattern = f"%{search.strip()[:100]}%"
        query = query.where(
            sa.or_(Product.name.ilike(pattern), Product.variants.any(ProductVariant.sku.ilike(pattern)))
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    products = db.session.scalars(
        query.options(joinedload(Product.category), selectinload(Product.variants))
        .order_by(Product.position, Product.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).unique()
    return list(products), total


def get_product_for_staff(product_id: int) -> Product | None:
    return db.session.scalar(
        sa.select(Product)
        .where(Product.id == product_id)
        .options(joinedload(Product.category), selectinload(Product.variants))
    )


def list_categories() -> list[Category]:
    return list(db.session.scalars(sa.select(Category).order_by(Category.position, Category.id)))


def list_stock_history(product_id: int, limit: int = 50) -> list[StockAdjustment]:
    return list(
        db.session.scalars(
            sa.select(StockAdjustment)
            .join(ProductVariant)
            .where(ProductVariant.product_id == product_id)
            .options(joinedload(StockAdjustment.variant))
            .order_by(StockAdjustment.created_at.desc(), StockAdjustment.id.desc())
            .limit(limit)
        )
    )


def _low_stock(threshold: int) -> sa.ColumnElement[bool]:
    return sa.and_(ProductVariant.stock_on_hand.is_not(None), ProductVariant.stock_on_hand <= threshold)


def list_low_stock(threshold: int = LOW_STOCK_THRESHOLD, *, limit: int | None = None) -> list[ProductVariant]:
    """The variants with the least stock, lowest first (at most `limit`: a big catalog may have thousands;
    read in stock order through ix_product_variant_stock)."""
    return list(
        db.session.scalars(
            sa.select(ProductVariant)
            .join(Product)
            .where(_low_stock(threshold))
            .options(joinedload(ProductVariant.product))
            .order_by(ProductVariant.stock_on_hand, ProductVariant.sku)
            .limit(limit)
        )
    )


def count_low_stock(threshold: int = LOW_STOCK_THRESHOLD) -> int:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(ProductVariant).where(_low_stock(threshold)))
        or 0
    )


def _new_variant(
    details: VariantDetails, *, digital: bool, initial_stock: int | None, position: int
) -> ProductVariant:
    """A checked new variant; digital items hold no stock, physical ones start at 0 unless told."""
    _check_variant(details, variant_id=None)
    stock = None if digital else (initial_stock or 0)
    if stock is not None and not 0 <= stock <= MAX_STOCK:
        raise CatalogEditError("Stock must be between 0 and 1,000,000.", "initial_stock")
    return ProductVariant(
        sku=details.sku,
        option_name=details.option_name,
        option_value=details.option_value,
        price_cents=details.price_cents,
        stock_on_hand=stock,
        position=position,
    )


def create_product(
    actor: Actor,
    details: ProductDetails,
    *,
    kind: ProductKind,
    variant: VariantDetails,
    initial_stock: int | None,
) -> Product:
    """A new, unpublished product with its first variant. Digital products have no stock."""
    _check_product(details, product_id=None)
    first = _new_variant(
        variant, digital=kind == ProductKind.DIGITAL, initial_stock=initial_stock, position=0
    )
    product = Product(
        name=details.name,
        slug=details.slug,
        category=_category(details.category_slug),
        kind=kind,
        summary=details.summary,
        description=details.description,
        image_alt=details.image_alt,
        is_featured=details.is_featured,
        tax_type=details.tax_type,
        is_published=False,
        position=(db.session.scalar(sa.select(sa.func.max(Product.position))) or 0) + 1,
    )
    product.variants.append(first)
    db.session.add(product)
    db.session.flush()
    _record_edit(
        actor,
        "product.create",
        product.id,
        f"Created {product.name}",
    )
    _commit()
    return product


def update_product(actor: Actor, product_id: int, details: ProductDetails) -> Product:
    product = _product(product_id)
    _check_product(details, product_id=product.id)
    changes = {
        field: [getattr(product, field), value]
        for field, value in {
            "name": details.name,
            "slug": details.slug,
            "summary": details.summary,
            "description": details.description,
            "image_alt": details.image_alt,
            "is_featured": details.is_featured,
            "tax_type": details.tax_type,
        }.items()
        if getattr(product, field) != value
    }
    category = _category(details.category_slug)
    if category.id != product.category_id:
        changes["category"] = [product.category.slug, category.slug]
    for field, (_, value) in changes.items():
        if field != "category":
            setattr(product, field, value)
    product.category = category
    if changes:
        _record_edit(
            actor,
            "product.update",
            product.id,
            f"Edited {product.name}: {', '.join(sorted(changes))}",
            changes={k: [str(v[0])[:80], str(v[1])[:80]] for k, v in changes.items()},
        )
    _commit()
    return product


def set_published(actor: Actor, product_id: int, published: bool) -> Product:
    product = _product(product_id)
    if published and not product.variants:
        raise CatalogEditError("Add at least one variant before publishing.")
    if published and product.is_digital and not product.guide_file:
        raise CatalogEditError("Upload the guide's PDF before publishing it.")
    if product.is_published != published:
        product.is_published = published
        verb = "Published" if published else "Unpublished"
        _record_edit(
            actor,
            "product.publish",
            product.id,
            f"{verb} {product.name}",
        )
        db.session.commit()
    return product


def add_variant(
    actor: Actor, product_id: int, details: VariantDetails, *, initial_stock: int | None
) -> ProductVariant:
    product = _product(product_id)
    variant = _new_variant(
        details, digital=product.is_digital, initial_stock=initial_stock, position=len(product.variants)
    )
    product.variants.append(variant)
    db.session.flush()
    _record_edit(
        actor,
        "variant.create",
        product.id,
        f"Added {details.sku} to {product.name}",
    )
    _commit()
    return variant


def update_variant(actor: Actor, variant_id: int, details: VariantDetails) -> ProductVariant:
    variant = _variant(variant_id)
    _check_variant(details, variant_id=variant.id)
    old_price = variant.price_cents
    variant.sku = details.sku
    variant.option_name = details.option_name
    variant.option_value = details.option_value
    variant.price_cents = details.price_cents
    _record_edit(
        actor,
        "variant.update",
        variant.product_id,
        f"Edited {variant.sku}"
        + (f": price {old_price} → {details.price_cents} cents" if old_price != details.price_cents else ""),
    )
    _commit()
    return variant


def adjust_stock(actor: Actor, variant_id: int, *, delta: int, reason: str) -> StockAdjustment:
    """Add (or, with a negative delta, remove) stock, recording why. Stock never goes below zero.

    A conditional UPDATE, so it composes safely with checkouts reserving the same variant.
    """
    variant = _variant(variant_id)
    if variant.stock_on_hand is None:
        raise CatalogEditError("Digital items have no stock.")
    if delta == 0:
        raise CatalogEditError("Enter how many to add (like 12) or remove (like -3).", "delta")
    if not reason.strip():
        raise CatalogEditError("Say why the stock changes (recount, damaged, delivery…).", "reason")
    result = db.session.execute(
        sa.update(ProductVariant)
        .where(
            ProductVariant.id == variant.id,
            ProductVariant.stock_on_hand + delta >= 0,
            ProductVariant.stock_on_hand + delta <= MAX_STOCK,
        )
        .values(stock_on_hand=ProductVariant.stock_on_hand + delta)
        .returning(ProductVariant.stock_on_hand)
    )
    stock_after = result.scalar()
    if stock_after is None:
        db.session.rollback()  # nothing was written: end the transaction before saying so
        raise CatalogEditError(
            f"Only {variant.stock_on_hand} in stock: you can remove at most that many.", "delta"
        )
    adjustment = StockAdjustment(
        variant_id=variant.id,
        delta=delta,
        stock_after=stock_after,
        reason=reason.strip()[:200],
        actor_id=actor.user_id,
    )
    db.session.add(adjustment)
    _record_edit(
        actor,
        "stock.adjust",
        variant.product_id,
        f"{variant.sku}: {delta:+d} ({reason.strip()[:120]}), now {stock_after}",
    )
    db.session.commit()
    return adjustment


def set_image(actor: Actor, product_id: int, *, image_path: str, image_alt: str) -> Product:
    product = _product(product_id)
    product.image_path = image_path
    if image_alt.strip():
        product.image_alt = image_alt.strip()[:255]
    _record_edit(
        actor,
        "product.image",
        product.id,
        f"New image for {product.name}",
    )
    db.session.commit()
    return product


def set_guide_file(actor: Actor, product_id: int, *, data: bytes, storage: FileStorage) -> Product:
    """Store an uploaded PDF for a digital product. The content must be a PDF, whatever it is called."""
    product = _product(product_id)
    if not product.is_digital:
        raise CatalogEditError("Only digital guides have a PDF.", "file")
    if len(data) > MAX_GUIDE_BYTES:
        raise CatalogEditError("That PDF is larger than 20 MB.", "file")
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise CatalogEditError("That file is not a complete PDF.", "file")
    key = f"{product.slug}-{secrets.token_hex(6)}.pdf"
    storage.save(key, data)
    product.guide_file = key
    audit.record(
        actor,
        "product.guide_file",
        target_type="product",
        target_id=product.id,
        summary=f"New PDF for {product.name}",
    )
    db.session.commit()
    return product


def _product(product_id: int) -> Product:
    product = get_product_for_staff(product_id)
    if product is None:
        raise LookupError(product_id)
    return product


def _variant(variant_id: int) -> ProductVariant:
    variant = db.session.get(ProductVariant, variant_id)
    if variant is None:
        raise LookupError(variant_id)
    return variant


def get_product_id_for_variant(variant_id: int) -> int | None:
    return db.session.scalar(sa.select(ProductVariant.product_id).where(ProductVariant.id == variant_id))
