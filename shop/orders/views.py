"""/orders/<number>: an order's status and timeline, for its owner: the signed link's holder or the
logged-in customer it belongs to (see access.py)."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shop.extensions import limiter
from shop.orders import access, shipping
from shop.orders.addresses import order_address
from shop.orders.forms import OrderDownloadForm
from shop.orders.lookups import get_order_by_number
from shop.orders.models import Order
from shop.orders.order_downloads import issue_line_download
from shop.orders.status_machine import CUSTOMER_STATUS_TEXT

bp = Blueprint("orders", __name__)

NOT_FOUND = "We couldn't find that order. Use the link in your confirmation email."


def _viewable_order(number: str, token: str | None) -> Order:
    """The order, or 404 alike for unknown numbers and for orders neither this link nor the logged-in
    customer may open: a 403 would tell a stranger the number exists."""
    order = get_order_by_number(number)
    if order is None or not access.can_view(order, token=token, user=current_user):
        abort(404, description=NOT_FOUND)
    return order


@bp.get("/orders/<number>")
def show(number: str) -> str:
    token = request.args.get("t")
    order = _viewable_order(number, token)
    return render_template(
        "orders/show.html",
        order=order,
        address=order_address(order),
        shipment=shipping.shipment_of(order),
        token=token,
        status_text=CUSTOMER_STATUS_TEXT,
    )


@bp.post("/orders/<number>/downloads/<int:line_id>")
@limiter.limit("30 per hour")
def download(number: str, line_id: int) -> Response:
    form = OrderDownloadForm()
    if not form.validate():
        abort(404, description=NOT_FOUND)
    token = form.t.data or None
    order = _viewable_order(number, token)
    link = issue_line_download(order.id, line_id)
    if link is None:
        flash("That download isn't available for this order.", "error")
        return redirect(url_for("orders.show", number=order.number, t=token), code=303)
    return redirect(link.url, code=303)
