"""Plain functions that put catalog rows in the test database."""

import itertools

import sqlalchemy as sa

from shop.catalog.models import Category, Product, ProductKind, ProductVariant
from shop.discounts.models import DiscountCode, DiscountCodeProduct
from shop.extensions import db

_sequence = itertools.count(1)


def make_category(slug: str = "apparel", name: str | None = None) -> Category:
    category = db.session.scalar(sa.select(Category).where(Category.slug == slug))
    if category is None:
        category = Category(slug=slug, name=name or slug.title(), description="")
        db.session.add(category)
        db.session.flush()
    return category


def make_product(
    *,
    name: str | None = None,
    slug: str | None = None,
    kind: ProductKind = ProductKind.PHYSICAL,
    category: str = "apparel",
    price_cents: int = 2_000,
    stock: int | None = 10,
    sizes: tuple[str, ...] = (),
    sku: str | None = None,
    is_published: bool = True,
    is_featured: bool = False,
    is_lead_magnet: bool = False,
    commit: bool = True,
) -> Product:
    """A product with one variant, or one per size. Digital products get no stock."""
    number = next(_sequence)
    name = name or f"Test product {number}"
    slug = slug or f"test-product-{number}"
    base_sku = sku or f"SKU-{number}"
    product = Product(
        slug=slug,
        name=name,
        category=make_category(category),
        kind=kind,
        summary=f"Summary of {name}",
        description=f"About {name}.\n\nSecond paragraph.",
        image_path="img/products/canvas-tote.svg",
        image_alt=f"Photo of {name}",
        is_published=is_published,
        is_featured=is_featured,
        is_lead_magnet=is_lead_magnet,
        position=number,
    )
    stock_value = None if kind == ProductKind.DIGITAL else stock
    if sizes:
        for position, size in enumerate(sizes):
            product.variants.append(
                ProductVariant(
                    sku=f"{base_sku}-{size}",
                    option_name="Size",
                    option_value=size,
                    price_cents=price_cents,
                    stock_on_hand=stock_value,
                    position=position,
                )
            )
    else:
        product.variants.append(
            ProductVariant(sku=base_sku, price_cents=price_cents, stock_on_hand=stock_value)
        )
    db.session.add(product)
    if commit:
        db.session.commit()
    return product


def make_guide(**overrides: object) -> Product:
    overrides.setdefault("category", "guides")
    overrides.setdefault("price_cents", 1_900)
    return make_product(kind=ProductKind.DIGITAL, **overrides)  # type: ignore[arg-type]


def stock_of(sku: str) -> int | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(ProductVariant.stock_on_hand).where(ProductVariant.sku == sku))


def make_code(code: str = "SPORES10", **overrides: object) -> DiscountCode:
    """A discount code, 10% off everything by default; `product_ids=[…]` for a chosen-products code."""
    product_ids = overrides.pop("product_ids", ())
    fields: dict[str, object] = {"percent_bp": 1_000, "scope": "all", "min_subtotal_cents": 0}
    if "amount_cents" in overrides:
        fields.pop("percent_bp")
    fields.update(overrides)
    discount = DiscountCode(code=code, **fields)
    discount.product_links = [DiscountCodeProduct(product_id=pid) for pid in product_ids]
    db.session.add(discount)
    db.session.commit()
    return discount
