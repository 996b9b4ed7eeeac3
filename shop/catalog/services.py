"""Catalog use cases: listing, searching and reading products, and the catalog revision counter."""

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Session, joinedload, selectinload

from shop.catalog.errors import PageOutOfRangeError, UnknownCategoryError
from shop.catalog.models import CatalogRevision, Category, Product, ProductVariant, search_document_sql
from shop.catalog.product_views import CatalogPage, CategoryView, ProductView, VariantView
from shop.extensions import db, page_cache
from shop.pagination import page_count

MAX_SEARCH_LENGTH = 100


REVISION_CACHE_KEY = "catalog-revision"
REVISION_BUMPED = "catalog_revision_bumped"


def get_catalog_revision() -> int:
    """The current catalog revision; cached fragments are keyed by it.

    Held by each process and the page cache for CATALOG_REVISION_SECONDS, so a warm page needs no query
    and no round trip. A bump forgets the held value after its commit, in this process and the shared
    cache; other processes show the new revision within those seconds (stock shown on a page may lag as
    much; the cart and checkout always read the database).
    """

    def load() -> str:
        revision = db.session.scalar(sa.select(CatalogRevision.revision).where(CatalogRevision.id == 1))
        return str(revision or 0)

    ttl_seconds = current_app.config["CATALOG_REVISION_SECONDS"]
    return int(page_cache.get_or_set(REVISION_CACHE_KEY, load, ttl_seconds))


def bump_catalog_revision() -> None:
    """Invalidate cached catalog fragments. Runs inside the caller's transaction; no commit."""
    db.session.execute(
        sa.update(CatalogRevision)
        .where(CatalogRevision.id == 1)
        .values(revision=CatalogRevision.revision + 1)
    )
    db.session.info[REVISION_BUMPED] = True


@sa.event.listens_for(Session, "after_commit")
def _forget_cached_revision(session: Session) -> None:
    if session.info.pop(REVISION_BUMPED, False) and has_app_context():
        page_cache.forget(REVISION_CACHE_KEY)


@sa.event.listens_for(Session, "after_rollback")
def _keep_cached_revision(session: Session) -> None:
    session.info.pop(REVISION_BUMPED, None)


def product_view(product: Product) -> ProductView:
    return ProductView(
        id=product.id,
        slug=product.slug,
        name=product.name,
        kind=product.kind,
        category_slug=product.category.slug,
        category_name=product.category.name,
        summary=product.summary,
        description=product.description,
        image_path=product.image_path,
        image_alt=product.image_alt,
        is_lead_magnet=product.is_lead_magnet,
        variants=tuple(
            VariantView(
                sku=variant.sku,
                option_name=variant.option_name,
                option_value=variant.option_value,
                price_cents=variant.price_cents,
                stock_on_hand=variant.stock_on_hand,
            )
            for variant in product.variants
        ),
    )


def _published_products() -> sa.Select[tuple[Product]]:
    return (
        sa.select(Product)
        .where(Product.is_published.is_(True))
        .options(joinedload(Product.category), selectinload(Product.variants))
        .order_by(Product.position, Product.id)
    )


def list_categories() -> list[CategoryView]:
    categories = db.session.scalars(sa.select(Category).order_by(Category.position, Category.id))
    return [CategoryView(c.slug, c.name, c.description) for c in categories]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search_condition(search: str) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[float] | None]:
    """Which products a search finds, and how to rank them (None: no ranking).

    PostgreSQL: full-text search of the name and summary (English stemming, so "hoodies" finds "Hoodie"),
    read through the GIN index ix_product_search, ranked name-first by ts_rank; the text goes through
    websearch_to_tsquery, which accepts any input (stop words or punctuation alone match nothing), and an
    exact SKU (any case) also finds its product. SQLite: a case-insensitive substring of the name, summary
    or a SKU.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        document = sa.literal_column(f"({search_document_sql(Product.__tablename__)})")
        query = sa.func.websearch_to_tsquery(sa.literal_column("'english'::regconfig"), search)
        by_sku = (
            sa.select(ProductVariant.product_id)
            .where(ProductVariant.sku == search.upper())
            .limit(1)
            .scalar_subquery()
        )
        return sa.or_(document.op("@@")(query), Product.id == by_sku), sa.func.ts_rank(document, query)
    pattern = f"%{_escape_like(search)}%"
    condition = sa.or_(
        Product.name.ilike(pattern, escape="\\"),
        Product.summary.ilike(pattern, escape="\\"),
        Product.variants.any(ProductVariant.sku.ilike(pattern, escape="\\")),
    )
    return condition, None


def list_products(*, category_slug: str | None, search: str, page: int, page_size: int) -> CatalogPage:
    """One page of published products, optionally in one category and matching a search.

    Raises UnknownCategoryError for a category that does not exist and PageOutOfRangeError
    for a page past the end (page 1 of an empty result is a valid, empty page).
    """
    search = " ".join(search.split())[:MAX_SEARCH_LENGTH]
    category = None
    filters: list[sa.ColumnElement[bool]] = [Product.is_published.is_(True)]
    if category_slug:
        category = db.session.scalar(sa.select(Category).where(Category.slug == category_slug))
        if category is None:
            raise UnknownCategoryError(category_slug)
        filters.append(Product.category_id == category.id)
    ranking: list[sa.ColumnElement[float]] = []
    if search:
        match, rank = _search_condition(search)
        filters.append(match)
        ranking = [rank.desc()] if rank is not None else []
    total = db.session.scalar(sa.select(sa.func.count(Product.id)).where(*filters)) or 0
    pages = page_count(total, page_size)
    if page < 1 or page > pages:
        raise PageOutOfRangeError()
    listing = _published_products().where(*filters)
    if ranking:
        listing = listing.order_by(None).order_by(*ranking, Product.position, Product.id)
    products = db.session.scalars(listing.limit(page_size).offset((page - 1) * page_size)).unique()
    return CatalogPage(
        products=tuple(product_view(product) for product in products),
        page=page,
        pages=pages,
        total=total,
        category=CategoryView(category.slug, category.name, category.description) if category else None,
        search=search,
    )


def list_featured_products(limit: int = 4) -> list[ProductView]:
    products = db.session.scalars(
        _published_products().where(Product.is_featured.is_(True)).limit(limit)
    ).unique()
    return [product_view(product) for product in products]


def get_product_view(slug: str) -> ProductView | None:
    """A published product by slug, or None (unpublished products are invisible to shoppers)."""
    product = db.session.scalars(_published_products().where(Product.slug == slug)).unique().first()
    return product_view(product) if product else None


def get_lead_magnet() -> ProductView | None:
    """The free guide offered through the email gate, if one is published."""
    product = (
        db.session.scalars(_published_products().where(Product.is_lead_magnet.is_(True))).unique().first()
    )
    return product_view(product) if product else None


def get_product_slug_for_sku(sku: str) -> str | None:
    """The published product a SKU belongs to, to show its page again after a failed add."""
    if not sku:
        return None
    return db.session.scalar(
        sa.select(Product.slug)
        .join(ProductVariant, ProductVariant.product_id == Product.id)
        .where(ProductVariant.sku == sku, Product.is_published.is_(True))
    )


def list_published_slugs() -> list[str]:
    """Every published product's slug, for the sitemap."""
    return list(
        db.session.scalars(
            sa.select(Product.slug)
            .where(Product.is_published.is_(True))
            .order_by(Product.position, Product.id)
        )
    )
