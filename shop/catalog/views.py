"""Storefront pages: home, the catalog list and product pages.

What does not change per visitor (product data, the rendered product grid) is cached under the
catalog revision; the cart, flashes and CSRF tokens are rendered fresh on every request.
"""

import hashlib

from flask import Blueprint, abort, current_app, render_template, request, url_for

from shop.cart import session_cart
from shop.cart.forms import AddToCartForm
from shop.catalog import services
from shop.catalog.errors import CatalogError
from shop.catalog.structured_data import product_json_ld
from shop.catalog.views_data import ProductView
from shop.extensions import page_cache
from shop.media import image_url

bp = Blueprint("catalog", __name__)


def _cache_seconds() -> int:
    return current_app.config["CATALOG_CACHE_SECONDS"]


@bp.get("/")
def home() -> str:
    revision = services.get_catalog_revision()
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


def _page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or len(raw) > 6:
        abort(404, description="That page of the catalog does not exist.")
    return int(raw)


@bp.get("/products")
def product_list() -> str:
    category_slug = request.args.get("category", "").strip() or None
    search = request.args.get("q", "")
    page = _page_number()
    revision = services.get_catalog_revision()
    search_key = hashlib.blake2s(search.encode(), digest_size=8).hexdigest()
    key = f"list:{revision}:{category_slug}:{search_key}:{page}"
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


def _cached_product(slug: str) -> ProductView:
    key = f"product:{services.get_catalog_revision()}:{slug}"
    cached = page_cache.get_json(key)
    if cached is not None:
        return ProductView.from_cache(cached)
    product = services.get_product_view(slug)
    if product is None:
        abort(404, description="We couldn't find that product. It may have been retired.")
    page_cache.set_json(key, product.to_cache(), _cache_seconds())
    return product


def render_product_page(slug: str, *, status: int = 200) -> tuple[str, int]:
    product = _cached_product(slug)
    form = AddToCartForm()
    if request.method == "GET" or not form.sku.data:
        default = product.default_variant
        form.sku.data = default.sku if default else ""
        form.quantity.data = 1
    page_url = url_for("catalog.product_detail", slug=product.slug, _external=True)
    image = image_url(product.image_path, external=True)
    json_ld = product_json_ld(
        product,
        page_url=page_url,
        image_url=image,
        currency=current_app.config["SHOP_CURRENCY"],
        shop_name=current_app.config["SHOP_NAME"],
    )
    html = render_template(
        "catalog/product_detail.html",
        product=product,
        form=form,
        json_ld=json_ld,
        cart=session_cart.summary() if session_cart.current_token() else None,
    )
    return html, status


def render_product_page_for_sku(sku: str, *, status: int) -> tuple[str, int] | None:
    """The product page again (after a failed add), or None when the SKU names no product."""
    slug = services.get_product_slug_for_sku(sku)
    if slug is None:
        return None
    return render_product_page(slug, status=status)


@bp.get("/products/<slug>")
def product_detail(slug: str) -> tuple[str, int]:
    return render_product_page(slug)
