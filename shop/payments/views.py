"""POST /webhooks/stripe (the only CSRF-exempt view) and the dev provider's local payment page."""

import logging

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from shop.extensions import csrf, limiter
from shop.orders import access
from shop.orders.models import OrderStatus
from shop.orders.status_machine import PAID_STATES
from shop.payments import services, webhooks
from shop.payments.dev_provider import DevProvider
from shop.payments.errors import WebhookRejectedError
from shop.payments.forms import DevPaymentForm
from shop.payments.selection import get_provider

log = logging.getLogger(__name__)

bp = Blueprint("payments", __name__)


@bp.post("/webhooks/stripe")
@csrf.exempt  # Stripe cannot send our CSRF token; the signature on the raw body authenticates it.
@limiter.exempt
def stripe_webhook() -> tuple[Response, int]:
    try:
        outcome = webhooks.handle_webhook(request.get_data(), request.headers.get("Stripe-Signature"))
    except WebhookRejectedError as error:
        log.warning("webhook rejected: %s", error)
        return jsonify(error="invalid webhook"), 400
    return jsonify(received=True, outcome=str(outcome)), 200


def _require_dev_provider() -> None:
    config = current_app.config
    if not isinstance(get_provider(), DevProvider):
        abort(404)
    if config["APP_ENV"] == "production" and not config["ALLOW_DEV_PAYMENTS"]:
        abort(404)


@bp.get("/payments/dev/<session_id>")
def dev_checkout(session_id: str) -> str:
    _require_dev_provider()
    order = services.get_dev_session_order(session_id)
    if order is None:
        abort(404, description="There is no development payment with that id.")
    # Stripe's page has a way back to the shop (the session's cancel_url); so has this one.
    cancel_url = url_for("checkout.cancel_page", token=access.access_token(order.number))
    return render_template(
        "payments/dev_checkout.html", order=order, form=DevPaymentForm(), cancel_url=cancel_url
    )


@bp.post("/payments/dev/<session_id>")
def dev_action(session_id: str) -> Response | tuple[str, int]:
    _require_dev_provider()
    form = DevPaymentForm()
    if not form.validate():
        abort(400, description="Choose Pay, Decline or Abandon.")
    order = services.run_dev_action(session_id, form.action.data)
    if order is None:
        abort(404, description="There is no development payment with that id.")
    if order.status in PAID_STATES or order.status == OrderStatus.REFUNDED:
        return redirect(url_for("checkout.success", session_id=session_id), code=303)
    if form.action.data == "decline":
        flash("Your payment was declined. Nothing was charged, and your cart is as you left it.", "error")
    else:
        flash("You left the payment page. Nothing was charged, and your cart is as you left it.", "success")
    return redirect(url_for("cart.show"), code=303)
