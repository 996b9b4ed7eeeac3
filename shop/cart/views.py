"""Cart pages, the no-JavaScript form posts and the JSON API."""

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from shop.cart import services, session_cart
from shop.cart.errors import CartError
from shop.cart.forms import (
    AddToCartForm,
    CartCountryForm,
    DiscountCodeForm,
    RemoveCartLineForm,
    RemoveDiscountForm,
    UpdateCartLineForm,
    first_error,
    read_cart_item_json,
    read_country_json,
    read_discount_json,
)
from shop.cart.payloads import cart_payload
from shop.cart.product_page import render_product_page_for_sku
from shop.country_codes import country_name
from shop.errors import ShopError
from shop.extensions import limiter

bp = Blueprint("cart", __name__)


def _render_cart(status: int = 200) -> tuple[str, int]:
    return render_template("cart/cart.html", cart=session_cart.summary()), status


@bp.get("/cart")
def show() -> tuple[str, int]:
    return _render_cart()


@bp.post("/cart/add")
def add() -> Response | tuple[str, int]:
    form = AddToCartForm()
    sku = (form.sku.data or "").strip()
    if not form.validate():
        flash(first_error(form), "error")
        # A malformed SKU (too long, control characters) is never looked up.
        product_page = None if form.sku.errors else render_product_page_for_sku(sku, status=400)
        return product_page or _render_cart(400)
    try:
        services.add_to_cart(
            session_cart.ensure_token(),
            sku,
            form.quantity.data,
            max_line_quantity=current_app.config["MAX_LINE_QUANTITY"],
        )
    except CartError as error:
        flash(error.message, "error")
        return render_product_page_for_sku(sku, status=error.status_code) or _render_cart(error.status_code)
    flash("Added to your cart.", "success")
    return redirect(url_for("cart.show"), code=303)


@bp.post("/cart/update")
def update() -> Response | tuple[str, int]:
    form = UpdateCartLineForm()
    if not form.validate():
        flash(first_error(form), "error")
        return _render_cart(400)
    try:
        services.change_quantity(
            session_cart.current_token(),
            form.sku.data,
            form.quantity.data,
            max_line_quantity=current_app.config["MAX_LINE_QUANTITY"],
        )
    except CartError as error:
        flash(error.message, "error")
        return _render_cart(error.status_code)
    flash("Your cart was updated." if form.quantity.data else "Removed from your cart.", "success")
    return redirect(url_for("cart.show"), code=303)


@bp.post("/cart/remove")
def remove() -> Response | tuple[str, int]:
    form = RemoveCartLineForm()
    if not form.validate():
        flash(first_error(form), "error")
        return _render_cart(400)
    try:
        services.remove_from_cart(session_cart.current_token(), form.sku.data)
    except CartError as error:
        flash(error.message, "error")
        return _render_cart(error.status_code)
    flash("Removed from your cart.", "success")
    return redirect(url_for("cart.show"), code=303)


@bp.post("/cart/country")
def choose_country() -> Response | tuple[str, int]:
    form = CartCountryForm()
    try:
        if not form.validate():
            raise CartError(first_error(form))
        country = session_cart.choose_country(form.country.data)
    except CartError as error:
        flash(error.message, "error")
        return _render_cart(error.status_code)
    flash(f"Shipping and tax are now estimated for {country_name(country)}.", "success")
    return redirect(url_for("cart.show"), code=303)


def _cart_json(status: int = 200) -> tuple[Response, int]:
    session_cart.forget_summary()
    payload = cart_payload(session_cart.summary(), currency=current_app.config["SHOP_CURRENCY"])
    return jsonify(payload), status


def _json_body() -> Any:
    """The request body as JSON, or None for anything else: not JSON, or nested too deep to parse."""
    try:
        return request.get_json(force=True, silent=True)
    except RecursionError:
        return None


def _json_error(error: CartError) -> tuple[Response, int]:
    return jsonify(error=error.message), error.status_code


@bp.get("/cart.json")
def show_json() -> tuple[Response, int]:
    return _cart_json()


@bp.post("/cart/add.json")
def add_json() -> tuple[Response, int]:
    try:
        sku, quantity = read_cart_item_json(_json_body(), default_quantity=1)
        services.add_to_cart(
            session_cart.ensure_token(),
            sku,
            quantity,
            max_line_quantity=current_app.config["MAX_LINE_QUANTITY"],
        )
    except CartError as error:
        return _json_error(error)
    return _cart_json()


@bp.post("/cart/change.json")
def change_json() -> tuple[Response, int]:
    try:
        sku, quantity = read_cart_item_json(_json_body(), default_quantity=None)
        services.change_quantity(
            session_cart.current_token(),
            sku,
            quantity,
            max_line_quantity=current_app.config["MAX_LINE_QUANTITY"],
        )
    except CartError as error:
        return _json_error(error)
    return _cart_json()


@bp.post("/cart/country.json")
def country_json() -> tuple[Response, int]:
    """Pick the country the cart's shipping and tax are estimated for → the cart, priced for it."""
    try:
        session_cart.choose_country(read_country_json(_json_body()))
    except CartError as error:
        return _json_error(error)
    return _cart_json()


# --- The discount code (docs/rules.md#discounts) ---------------------------------------------------


def _discount_limit() -> str:
    return current_app.config["DISCOUNT_RATE_LIMIT"]


@bp.post("/cart/discount")
@limiter.limit(_discount_limit)
def apply_discount() -> Response | tuple[str, int]:
    form = DiscountCodeForm()
    if not form.validate():
        flash(first_error(form), "error")
        return _render_cart(400)
    try:
        session_cart.apply_code(form.code.data)
    except ShopError as error:
        flash(error.message, "error")
        session_cart.forget_summary()
        return _render_cart(error.status_code)
    flash("Discount code applied.", "success")
    return redirect(url_for("cart.show"), code=303)


@bp.post("/cart/discount/remove")
def remove_discount() -> Response | tuple[str, int]:
    form = RemoveDiscountForm()
    if not form.validate():
        flash(first_error(form), "error")
        return _render_cart(400)
    session_cart.remove_code()
    flash("Discount code removed.", "success")
    return redirect(url_for("cart.show"), code=303)


@bp.post("/cart/discount.json")
@limiter.limit(_discount_limit)
def discount_json() -> tuple[Response, int]:
    try:
        code = read_discount_json(_json_body())
        if code is None:
            session_cart.remove_code()
        else:
            session_cart.apply_code(code)
    except ShopError as error:
        return jsonify(error=error.message), error.status_code
    return _cart_json()
