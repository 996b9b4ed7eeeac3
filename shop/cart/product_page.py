"""The product page: the catalog's product with its add-to-cart form and the visitor's shipping progress.

A plain GET is assembled from a rendering cached under the catalog revision, with holes for what differs
per visitor (the form's CSRF field and the shipping progress, which depends on their cart).
"""

from flask import abort, current_app, render_template, request, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from shop.cart import session_cart
from shop.cart.forms import AddToCartForm
from shop.cart.services import CartSummary
from shop.catalog import services
from shop.catalog.product_views import ProductView
from shop.catalog.structured_data import product_json_ld
from shop.extensions import page_cache
from shop.media import image_url


def _cache_seconds() -> int:
    return current_app.config["CATALOG_CACHE_SECONDS"]


def _cached_product(slug: str, revision: int) -> ProductView:
    key = f"product:{revision}:{slug}"
    cached = page_cache.get_json(key)
    if cached is not None:
        return ProductView.from_cache(cached)
    product = services.get_product_view(slug)
    if product is None:
        abort(404, description="We couldn't find that product. It may have been retired.")
    page_cache.set_json(key, product.to_cache(), _cache_seconds())
    return product


# Holes in the cached product page, filled per request: the form's CSRF field and the visitor's
# shipping progress (it depends on their cart).
CSRF_HOLE = "<!--shop:csrf-field-->"
SHIPPING_HOLE = "<!--shop:shipping-progress-->"


def _product_page_parts(
    product: ProductView, *, selected_sku: str, quantity: int, holes: dict[str, Markup]
) -> dict:
    page_url = url_for("catalog.product_detail", slug=product.slug, _external=True)
    image = image_url(product.image_path, external=True)
    json_ld = product_json_ld(
        product,
        page_url=page_url,
        image_url=image,
        currency=current_app.config["SHOP_CURRENCY"],
        shop_name=current_app.config["SHOP_NAME"],
    )
    return {
        "name": product.name,
        "summary": product.summary,
        "head": render_template("catalog/_product_head.html", product=product, json_ld=json_ld),
        "article": render_template(
            "catalog/_product_article.html",
            product=product,
            selected_sku=selected_sku,
            quantity=quantity,
            csrf_field=holes["csrf"],
            shipping_html=holes["shipping"],
        ),
    }


def _csrf_field() -> Markup:
    """The hidden CSRF input, as Flask-WTF renders it, without building a form for a plain GET."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return Markup("")
    return Markup('<input id="csrf_token" name="csrf_token" type="hidden" value="{}">').format(
        generate_csrf()
    )


def _shipping_progress(product: ProductView, cart: CartSummary | None) -> Markup:
    return Markup(
        render_template(
            "cart/_shipping_progress.html",
            totals=cart.totals if cart else None,
            show_offer=product.is_physical,
        )
    )


def render_product_page(slug: str, *, status: int = 200) -> tuple[str, int]:
    """The product page. A plain GET of a product sold through the cart is assembled from a cached
    rendering; a page shown again after a failed add (or the free guide's gate) renders in full."""
    revision = services.get_catalog_revision()
    product = _cached_product(slug, revision)
    cart = session_cart.summary() if session_cart.current_token() else None
    default = product.default_variant
    if request.method == "GET" and not product.is_lead_magnet:
        key = f"product-page:{revision}:{request.host}:{slug}"
        parts = page_cache.get_json(key)
        if parts is None:
            holes = {"csrf": Markup(CSRF_HOLE), "shipping": Markup(SHIPPING_HOLE)}
            parts = _product_page_parts(
                product, selected_sku=default.sku if default else "", quantity=1, holes=holes
            )
            page_cache.set_json(key, parts, _cache_seconds())
        # Rendered per request: the offer follows the zone of the visitor's country.
        shipping = _shipping_progress(product, cart)
        # The cached parts are shared (read-only): fill the holes into a copy.
        parts = {
            **parts,
            "article": parts["article"]
            .replace(CSRF_HOLE, _csrf_field(), 1)
            .replace(SHIPPING_HOLE, shipping, 1),
        }
    else:
        form = AddToCartForm()
        selected_sku = form.sku.data or (default.sku if default else "")
        quantity = form.quantity.data if isinstance(form.quantity.data, int) and form.quantity.data > 0 else 1
        holes = {"csrf": _csrf_field(), "shipping": _shipping_progress(product, cart)}
        parts = _product_page_parts(product, selected_sku=selected_sku, quantity=quantity, holes=holes)
    return render_template("catalog/product_detail.html", page=parts), status


def render_product_page_for_sku(sku: str, *, status: int) -> tuple[str, int] | None:
    """The product page again (after a failed add), or None when the SKU names no product."""
    slug = services.get_product_slug_for_sku(sku)
    if slug is None:
        return None
    return render_product_page(slug, status=status)
