"""/checkout: the form and summary, placing the order, and the return from the payment page."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user
from wtforms import Field

from shop.cart import session_cart
from shop.cart.forms import DiscountCodeForm, RemoveDiscountForm, first_error
from shop.cart.services import CartSummary
from shop.checkout import services
from shop.checkout.countries import country_choices, country_name, every_country_choice
from shop.checkout.errors import CartChangedError, CheckoutError, DestinationError, EmptyCartError
from shop.checkout.forms import CheckoutForm
from shop.errors import ShopError
from shop.extensions import limiter
from shop.form_fields import query_text
from shop.orders import access
from shop.orders.addresses import order_address
from shop.orders.lookups import get_order_by_number
from shop.orders.models import Order, OrderStatus
from shop.payments import services as payments
from shop.pricing_config import pricing_knobs

bp = Blueprint("checkout", __name__)


@bp.app_template_filter("country_name")
def country_name_filter(code: str | None) -> str:
    return country_name(code)


def _form(summary: CartSummary) -> CheckoutForm:
    return CheckoutForm(
        countries=country_choices(current_app.config["SHIPPING_COUNTRIES"]),
        requires_shipping=summary.totals.requires_shipping,
        billing_countries=every_country_choice(),
    )


def _render(
    form: CheckoutForm, summary: CartSummary, status: int = 200, *, code_refusal: str | None = None
) -> tuple[str, int]:
    # Every render carries a fresh key and what the page shows now; the shopper's entries stay.
    form.checkout_key.data = services.new_checkout_key()
    form.cart_fingerprint.data = services.cart_fingerprint(summary)
    where = summary.destination
    provider_taxes = payments.provider_reckons_tax()
    if provider_taxes:
        tax_pending_note = "Added at payment"
    elif where is not None and where.tax_needs_state:
        tax_pending_note = "Follows your state"
    else:
        tax_pending_note = None
    state_countries = services.billing_state_countries(
        requires_shipping=form.requires_shipping, tax_table=pricing_knobs().tax_table
    )
    return render_template(
        "checkout/start.html",
        form=form,
        cart=summary,
        tax_pending_note=tax_pending_note,
        billing_state_countries=sorted(state_countries),
        code_refusal=code_refusal,
    ), status


def _empty_cart() -> Response:
    flash("Your cart is empty. Add something before checking out.", "error")
    return redirect(url_for("cart.show"), code=303)


def _customer_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _fresh_form(summary: CartSummary) -> CheckoutForm:
    form = _form(summary)
    # The address starts at the country the cart's estimate was for.
    form.country.data = form.billing_country.data = session_cart.current_country()
    if current_user.is_authenticated:
        # The account's address by default; a different one still leaves the order in this account.
        form.email.data = current_user.email
    return form


@bp.get("/checkout")
def start() -> Response | tuple[str, int]:
    summary = session_cart.summary()
    if summary.is_empty:
        return _empty_cart()
    return _render(_fresh_form(summary), summary)


# --- The checkout page's own discount code box (docs/rules.md#discounts rule 7) -----------------------
# It works without JavaScript: a code that applies, or removing one, comes back to a freshly rendered
# checkout page (whose fingerprint then holds the new discount); a refused one renders the page at once
# with its 4xx and the reason beside the box.


def _discount_limit() -> str:
    return current_app.config["DISCOUNT_RATE_LIMIT"]


@bp.post("/checkout/discount")
@limiter.limit(_discount_limit)
def apply_discount() -> Response | tuple[str, int]:
    code_form = DiscountCodeForm()
    refusal, status = None, 400
    if not code_form.validate():
        refusal = first_error(code_form)
    else:
        try:
            session_cart.apply_code(code_form.code.data)
        except ShopError as error:
            refusal, status = error.message, error.status_code
    summary = session_cart.summary()
    if summary.is_empty:
        return _empty_cart()
    if refusal is not None:
        return _render(_fresh_form(summary), summary, status, code_refusal=refusal)
    flash("Discount code applied.", "success")
    return redirect(url_for("checkout.start"), code=303)


@bp.post("/checkout/discount/remove")
def remove_discount() -> Response | tuple[str, int]:
    code_form = RemoveDiscountForm()
    if not code_form.validate():
        summary = session_cart.summary()
        if summary.is_empty:
            return _empty_cart()
        return _render(_fresh_form(summary), summary, 400, code_refusal=first_error(code_form))
    session_cart.remove_code()
    flash("Discount code removed.", "success")
    return redirect(url_for("checkout.start"), code=303)


@bp.post("/checkout")
@limiter.limit(lambda: current_app.config["CHECKOUT_RATE_LIMIT"])
def place() -> Response | tuple[str, int]:
    summary = session_cart.summary()
    form = _form(summary)
    if not form.validate():
        if summary.is_empty:
            return _empty_cart()
        return _render(form, summary, 400)
    # An empty cart is decided by the service: a form sent again after paying finds its order first.
    try:
        started = services.start_checkout(
            cart_token=session_cart.current_token(),
            email=form.email.data,
            address=form.shipping_address(),
            fingerprint=form.cart_fingerprint.data,
            checkout_key=form.checkout_key.data,
            knobs=pricing_knobs(),
            user_id=_customer_id(),
            billing_country=form.billing_country_code(),
            billing_state=form.billing_state_text(),
        )
    except EmptyCartError:
        return _empty_cart()
    except CheckoutError as error:
        field = _field_for(form, error)
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            flash(error.message, "error")
        if isinstance(error, CartChangedError) or error.status_code == 409:
            session_cart.forget_summary()
        summary = session_cart.summary()
        if summary.is_empty:
            return _empty_cart()
        return _render(form, summary, error.status_code)
    return redirect(started.redirect_url, code=303)


def _field_for(form: CheckoutForm, error: CheckoutError) -> Field | None:
    """The form field an error belongs beside (a digital order's billing state), if the page shows it."""
    name = error.field if isinstance(error, DestinationError) else None
    return getattr(form, name, None) if name else None


@bp.get("/checkout/success")
def success() -> str:
    order = payments.confirm_return(query_text("session_id"))
    if order is None:
        abort(
            404,
            description="We couldn't find that checkout. Your confirmation email has a link to your order.",
        )
    token = access.access_token(order.number)
    return render_template(
        "checkout/success.html",
        order=order,
        address=order_address(order),
        token=token,
    )


def _order_behind_cancel_link(token: str) -> Order:
    number = access.order_number_from_token(token)
    order = get_order_by_number(number) if number else None
    if order is None:
        abort(404, description="We couldn't find that checkout. Your cart is as you left it.")
    return order


def _after_cancel(order: Order, token: str) -> Response:
    """Where the shopper goes once the order is no longer waiting to be cancelled."""
    if order.paid_at is not None:
        return redirect(url_for("orders.show", number=order.number, t=token), code=303)
    if order.status == OrderStatus.PENDING_PAYMENT:
        # The provider would not close the payment: it is being completed right now.
        flash("Your payment is going through, so the order was not cancelled.", "error")
        return redirect(url_for("orders.show", number=order.number, t=token), code=303)
    flash(
        f"Order {order.number} is cancelled: nothing was charged and its items are back in stock. "
        "Your cart is as you left it.",
        "success",
    )
    return redirect(url_for("cart.show"), code=303)


@bp.get("/checkout/cancel/<token>")
def cancel_page(token: str) -> Response | str:
    """Where the payment page's way back lands (Stripe follows cancel_url with a GET). Opening it changes
    nothing: it offers to cancel the order (a POST) or to go back to paying."""
    order = _order_behind_cancel_link(token)
    if order.status != OrderStatus.PENDING_PAYMENT:
        return _after_cancel(order, token)
    return render_template("checkout/cancel.html", order=order, token=token)


@bp.post("/checkout/cancel/<token>")
def cancel(token: str) -> Response:
    """Cancel the pending order and return its stock (once, however often this is posted)."""
    order = _order_behind_cancel_link(token)
    cancelled = payments.cancel_checkout(order.number)
    if cancelled is None:
        abort(404)
    return _after_cancel(cancelled, token)
