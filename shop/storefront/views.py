"""Storefront pages: home, the catalog list and product pages (the product page itself is assembled in
shop/cart/product_page.py, as it carries the add-to-cart form and the visitor's shipping progress).

What does not change per visitor (product data, the rendered product grid) is cached under the
catalog revision; the cart, flashes and CSRF tokens are rendered fresh on every request.
"""

import hashlib

from flask import Blueprint, abort, current_app, render_template, request

from shop import anonymous_pages
from shop.cart.product_page import render_product_page
from shop.catalog import services
from shop.catalog.errors import CatalogError
from shop.catalog.product_views import ProductView
from shop.extensions import page_cache
from shop.form_fields import query_text
from shop.pagination import requested_page

bp = Blueprint("catalog", __name__)


def _cache_seconds() -> int:
    return current_app.config["CATALOG_CACHE_SECONDS"]


@bp.get("/")
def home() -> str:
    revision = services.get_catalog_revision()
    return anonymous_pages.render_page(f"home:{revision}:{request.host}", lambda: _render_home(revision))


def _render_home(revision: int) -> str:
    featured_html = page_cache.get_or_set(
        f"home:{revision}",
        lambda: render_template(
            "catalog/_product_grid.html", products=services.list_featured_products(limit=4)
        ),
        _cache_seconds(),
    )
    guide = _cached_lead_magnet(revision)
    return render_template("catalog/home.html", featured_html=featured_html, guide=guide)


def _cached_lead_magnet(revision: int) -> ProductView | None:
    key = f"lead-magnet:{revision}"
    cached = page_cache.get_json(key)
    if cached is not None:
        return ProductView.from_cache(cached) if cached else None
    guide = services.get_lead_magnet()
    page_cache.set_json(key, guide.to_cache() if guide else {}, _cache_seconds())
    return guide


@bp.get("/products")
def product_list() -> str:
    category_slug = query_text("category") or None
    search = query_text("q")
    page = requested_page("That page of the catalog does not exist.")
    revision = services.get_catalog_revision()
    search_key = hashlib.blake2s(search.encode(), digest_size=8).hexdigest()
    key = f"list:{revision}:{category_slug}:{search_key}:{page}"
    return anonymous_pages.render_page(
        f"{key}:{request.host}",
        lambda: _render_list(revision, key, category_slug=category_slug, search=search, page=page),
    )


def _render_list(revision: int, key: str, *, category_slug: str | None, search: str, page: int) -> str:
    cached = page_cache.get_json(key)
    if cached is None:
        try:
            catalog_page = services.list_products(
                category_slug=category_slug,
                search=search,
                page=page,
                page_size=current_app.config["CATALOG_PAGE_SIZE"],
            )
        except CatalogError as error:
            abort(404, description=str(error))
        cached = {
            "grid_html": render_template("catalog/_catalog_page.html", catalog=catalog_page),
            "heading": catalog_page.category.name if catalog_page.category else "All products",
            "total": catalog_page.total,
            "search": catalog_page.search,
        }
        page_cache.set_json(key, cached, _cache_seconds())
    return render_template(
        "catalog/product_list.html",
        listing=cached,
        categories=_cached_categories(revision),
        active_category=category_slug,
    )


def _cached_categories(revision: int) -> list[dict[str, str]]:
    key = f"categories:{revision}"
    cached = page_cache.get_json(key)
    if cached is None:
        cached = [{"slug": c.slug, "name": c.name} for c in services.list_categories()]
        page_cache.set_json(key, cached, _cache_seconds())
    return cached


@bp.get("/products/<slug>")
def product_detail(slug: str) -> tuple[str, int]:
    revision = services.get_catalog_revision()
    key = f"product:{revision}:{request.host}:{slug}"
    return anonymous_pages.render_page(key, lambda: render_product_page(slug)[0]), 200
