"""Admin: the orders list and its CSV, the order page, and the staff actions on an order.

Money-moving and customer-facing actions (ship, cancel, refund, resend) are posted twice: the first post
renders a confirmation page, the second (confirmed=yes) acts. An action the order does not allow is not
offered, and is refused (4xx, nothing changed) if posted anyway.
"""

from dataclasses import dataclass, field
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.sansio.blueprints import BlueprintSetupState

from shop.admin.blueprint import bp, current_actor
from shop.admin.order_filters import FilterError, filter_args, parse_order_filter
from shop.admin.order_forms import (
    CancelOrderForm,
    ClearFlagForm,
    OrderNoteForm,
    RefundLinesForm,
    RefundOrderForm,
    ResendConfirmationForm,
    ShipOrderForm,
    refund_lines_form,
)
from shop.clock import utcnow
from shop.money import decimal_amount, format_cents
from shop.orders import export, shipping, staff_actions
from shop.orders.addresses import order_address
from shop.orders.errors import OrderError
from shop.orders.lookups import get_order_by_number
from shop.orders.models import Order
from shop.orders.refunds import LineRefundPlan, plan_line_refund, refunded_by_amount_cents, shipping_refund
from shop.orders.staff_actions import FILTER_LABELS, OrderActionError, OrderFilter, OrderListRow
from shop.orders.status_machine import STATUS_LABELS
from shop.pagination import existing_page_count, page_count, requested_page
from shop.payments import staff_refunds
from shop.payments.dashboard_links import payment_dashboard_url
from shop.payments.errors import PaymentError

Page = str | tuple[str, int] | Response
PAGE_SIZE = 25


@bp.record_once
def _check_carriers(state: BlueprintSetupState) -> None:
    """A misspelt SHIPPING_CARRIERS stops the app at start, not when staff first ship an order."""
    try:
        shipping.check_carrier_codes(state.app.config["SHIPPING_CARRIERS"])
    except ValueError as error:
        raise RuntimeError(str(error)) from error


def _order_or_404(number: str) -> Order:
    order = get_order_by_number(number)
    if order is None:
        abort(404, description="There is no order with that number.")
    return order


# --- the list and the CSV -------------------------------------------------------------------------


@bp.get("/orders")
def orders() -> Page:
    page = requested_page()
    try:
        order_filter = parse_order_filter(request.args)
    except FilterError as error:
        return _orders_page(OrderFilter(), [], 0, page, error=str(error), raw=request.args), 400
    items, total = staff_actions.list_orders_for_staff(order_filter, page=page, page_size=PAGE_SIZE)
    existing_page_count(page, total, PAGE_SIZE)
    return _orders_page(order_filter, items, total, page)


def _orders_page(
    order_filter: OrderFilter,
    items: list[OrderListRow],
    total: int,
    page: int,
    *,
    error: str | None = None,
    raw: Any = None,
) -> str:
    values = dict(raw) if raw is not None else filter_args(order_filter)
    return render_template(
        "admin/orders.html",
        orders=items,
        total=total,
        page=page,
        pages=page_count(total, PAGE_SIZE),
        values=values,
        args=filter_args(order_filter),
        filtered=bool(filter_args(order_filter)),
        error=error,
        filter_labels=FILTER_LABELS,
        status_labels=STATUS_LABELS,
    )


@bp.get("/orders.csv")
def orders_csv() -> Response:
    """Every order the list's filters show (all pages), streamed in batches."""
    try:
        order_filter = parse_order_filter(request.args)
    except FilterError as error:
        abort(400, description=str(error))
    staff_actions.record_export(current_actor(), order_filter)
    return Response(
        export.stream_csv(current_app._get_current_object(), order_filter),  # type: ignore[attr-defined]
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="orders-{utcnow().date().isoformat()}.csv"',
        },
    )


# --- the order page -------------------------------------------------------------------------------


def _forms(order: Order, forms: dict[str, Any]) -> dict[str, Any]:
    refundable = staff_actions.available_actions(order).refundable_cents
    carriers = staff_actions.carrier_choices()
    return {
        "ship_form": forms.get("ship_form") or ShipOrderForm(formdata=None, carriers=carriers),
        "refund_form": forms.get("refund_form")
        or RefundOrderForm(formdata=None, amount=decimal_amount(refundable)),
        "refund_lines_form": forms.get("refund_lines_form") or refund_lines_form(order, formdata=None),
        "shipping_refund": shipping_refund(order),
        "refunded_by_amount": refunded_by_amount_cents(order),
        "cancel_form": forms.get("cancel_form") or CancelOrderForm(formdata=None),
        "resend_form": forms.get("resend_form") or ResendConfirmationForm(formdata=None),
        "note_form": forms.get("note_form") or OrderNoteForm(formdata=None),
        "flag_form": forms.get("flag_form") or ClearFlagForm(formdata=None),
    }


def _order_page(
    order: Order, status: int = 200, *, open_action: str | None = None, **forms: Any
) -> tuple[str, int]:
    return (
        render_template(
            "admin/order.html",
            order=order,
            actions=staff_actions.available_actions(order),
            address=order_address(order),
            shipment=shipping.shipment_of(order),
            payment_url=payment_dashboard_url(
                order.payment_provider,
                order.payment_intent_id,
                secret_key=current_app.config["STRIPE_SECRET_KEY"],
            ),
            status_labels=STATUS_LABELS,
            open_action=open_action,
            **_forms(order, forms),
        ),
        status,
    )


@bp.get("/orders/<number>")
def order_detail(number: str) -> Page:
    return _order_page(_order_or_404(number))


def _refused(number: str, error: OrderError | PaymentError, open_action: str | None = None) -> Page:
    """The order page again, as it is now, saying why nothing happened (409 for a state the order is
    not in, 400 for input the rules refuse, 502 when the payment provider failed)."""
    flash(error.message, "error")
    status = error.status_code if isinstance(error, OrderError) else 502
    return _order_page(_order_or_404(number), status, open_action=open_action)


def _done(number: str, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("admin.order_detail", number=number), code=303)


@dataclass(frozen=True)
class Confirmation:
    """The page between the first post of an action and the second: what will happen, and a button."""

    action: str  # the endpoint the confirmed form posts to
    title: str
    facts: list[tuple[str, str]]
    warning: str | None
    button: str
    hidden: dict[str, str] = field(default_factory=dict)


def _confirm_page(order: Order, confirmation: Confirmation) -> str:
    return render_template("admin/order_confirm.html", order=order, confirmation=confirmation)


@bp.post("/orders/<number>/ship")
def order_ship(number: str) -> Page:
    order = _order_or_404(number)
    form = ShipOrderForm(carriers=staff_actions.carrier_choices())
    if not form.validate_on_submit():
        return _order_page(order, 400, open_action="ship", ship_form=form)
    try:
        staff_actions.check_ship(order)
        if not form.is_confirmed:
            carrier = shipping.CARRIERS[form.carrier.data]
            link = shipping.tracking_url(carrier.code, form.tracking_number.data)
            return _confirm_page(
                order,
                Confirmation(
                    action="admin.order_ship",
                    title=f"Mark order {order.number} shipped?",
                    facts=[
                        ("Carrier", carrier.name),
                        ("Tracking number", form.tracking_number.data),
                        ("Tracking link", link or "None: the email gives the number only"),
                        ("Email to", order.email),
                    ],
                    warning="The customer is emailed the tracking details at once. This can't be undone.",
                    button="Yes, mark shipped and email the customer",
                    hidden={"carrier": carrier.code, "tracking_number": form.tracking_number.data},
                ),
            )
        staff_actions.mark_shipped(
            current_actor(), order.id, carrier=form.carrier.data, tracking_number=form.tracking_number.data
        )
    except OrderError as error:
        return _refused(number, error, "ship")
    return _done(number, f"Order {number} is marked shipped and the customer was emailed the tracking.")


@bp.post("/orders/<number>/cancel")
def order_cancel(number: str) -> Page:
    order = _order_or_404(number)
    form = CancelOrderForm()
    if not form.validate_on_submit():
        return _order_page(order, 400, open_action="cancel", cancel_form=form)
    try:
        staff_actions.check_cancel(order)
        if not form.is_confirmed:
            return _confirm_page(order, _cancel_confirmation(order, form.reason.data or ""))
        staff_refunds.cancel_order(current_actor(), order.id, reason=form.reason.data or "")
    except (OrderError, PaymentError) as error:
        return _refused(number, error, "cancel")
    return _done(number, f"Order {number} is cancelled and its stock is back on the shelf.")


def _cancel_confirmation(order: Order, reason: str) -> Confirmation:
    refund_cents = staff_actions.available_actions(order).cancel_refunds_cents
    facts = [("Customer", order.email)]
    if refund_cents:
        facts.append(("Refund in full", format_cents(refund_cents, order.currency)))
        warning = "The payment is refunded in full through the payment provider; download links stop working."
    else:
        warning = "The order stops waiting for payment and its payment page is closed."
        if order.needs_attention and order.payment_intent_id:
            warning += (
                f" A payment was received for this flagged order ({order.payment_intent_id}): refund it in"
                " the payment provider's dashboard."
            )
    facts.append(("Stock", "Returned to the shelf"))
    if reason:
        facts.append(("Reason", reason))
    return Confirmation(
        action="admin.order_cancel",
        title=f"Cancel order {order.number}?",
        facts=facts,
        warning=f"{warning} This can't be undone.",
        button="Yes, cancel and refund the order" if refund_cents else "Yes, cancel the order",
        hidden={"reason": reason},
    )


@bp.post("/orders/<number>/refund")
def order_refund(number: str) -> Page:
    order = _order_or_404(number)
    form = RefundOrderForm()
    if not form.validate_on_submit():
        return _order_page(order, 400, open_action="refund", refund_form=form)
    amount = form.amount.cents or 0
    try:
        staff_actions.check_refund(order, amount)
        if not form.is_confirmed:
            return _confirm_page(order, _refund_confirmation(order, form))
        if form.refunded_before_cents is None:
            raise OrderActionError("Review the refund first, then confirm it.", 400)
        staff_refunds.refund(
            current_actor(),
            order.id,
            amount_cents=amount,
            reason=form.reason.data or "",
            keep_downloads=bool(form.keep_downloads.data),
            expected_refunded_cents=form.refunded_before_cents,
        )
    except (OrderError, PaymentError) as error:
        return _refused(number, error, "refund")
    return _done(number, f"Refunded {format_cents(amount, order.currency)} on order {number}.")


def _refund_confirmation(order: Order, form: RefundOrderForm) -> Confirmation:
    amount = form.amount.cents or 0
    hidden = {"amount": decimal_amount(amount)}
    return _confirm_refund(
        order,
        form,
        "admin.order_refund",
        amount,
        facts=[("Refund", format_cents(amount, order.currency))],
        hidden=hidden,
    )


def _confirm_refund(
    order: Order,
    form: RefundOrderForm | RefundLinesForm,
    action: str,
    amount_cents: int,
    *,
    facts: list[tuple[str, str]],
    hidden: dict[str, str],
) -> Confirmation:
    """The confirmation page both refund forms share: `facts` say what goes back, then what is left, who
    gets it, the reason and what happens to the guide links; `hidden` carries the form's own fields."""
    money = format_cents(amount_cents, order.currency)
    left = staff_actions.available_actions(order).refundable_cents - amount_cents
    facts = [
        *facts,
        ("Left to refund after this", format_cents(left, order.currency)),
        ("Customer", order.email),
    ]
    if form.reason.data:
        facts.append(("Reason", form.reason.data))
    if any(line.is_digital for line in order.lines):
        keeps = left > 0 and form.keep_downloads.data
        facts.append(("Guide download links", "Keep working" if keeps else "Stop working"))
    hidden = {**hidden, "reason": form.reason.data or "", "refunded_before": str(order.refunded_cents)}
    if form.keep_downloads.data:
        hidden["keep_downloads"] = "y"
    return Confirmation(
        action=action,
        title=f"Refund {money} on order {order.number}?",
        facts=facts,
        warning="The money goes back through the payment provider at once. This can't be undone.",
        button=f"Yes, refund {money}",
        hidden=hidden,
    )


@bp.post("/orders/<number>/refund-lines")
def order_refund_lines(number: str) -> Page:
    order = _order_or_404(number)
    form = refund_lines_form(order)
    if not form.validate_on_submit():
        return _order_page(order, 400, open_action="refund_lines", refund_lines_form=form)
    quantities = form.quantities(order)
    try:
        staff_actions.check_anything_to_refund(order)
        if not form.is_confirmed:
            plan = plan_line_refund(
                order, quantities, shipping=bool(form.shipping.data), expected_refunded_cents=None
            )
            return _confirm_page(order, _refund_lines_confirmation(order, form, plan))
        if form.refunded_before_cents is None:
            raise OrderActionError("Review the refund first, then confirm it.", 400)
        result = staff_refunds.refund_lines(
            current_actor(),
            order.id,
            quantities=quantities,
            shipping=bool(form.shipping.data),
            reason=form.reason.data or "",
            keep_downloads=bool(form.keep_downloads.data),
            expected_refunded_cents=form.refunded_before_cents,
        )
    except (OrderError, PaymentError) as error:
        return _refused(number, error, "refund_lines")
    return _done(number, f"Refunded {format_cents(result.amount_cents, order.currency)} on order {number}.")


def _refund_lines_confirmation(order: Order, form: RefundLinesForm, plan: LineRefundPlan) -> Confirmation:
    facts = []
    for item in plan.items:
        label = "Shipping" if item.line is None else f"{item.quantity} × {item.line.name} ({item.line.sku})"
        value = format_cents(item.refund.total_cents, order.currency)
        if item.refund.tax_cents:
            value += f", of which {format_cents(item.refund.tax_cents, order.currency)} tax"
        facts.append((label, value))
    money = format_cents(plan.amount_cents, order.currency)
    if order.tax_cents:
        money += f", of which {format_cents(plan.tax_cents, order.currency)} tax"
    facts.append(("Refund", money))
    hidden = {
        form.field_name(line): str(form.line_field(line).quantity)
        for line in order.lines
        if form.line_field(line).quantity
    }
    if form.shipping.data:
        hidden["shipping"] = "y"
    return _confirm_refund(
        order, form, "admin.order_refund_lines", plan.amount_cents, facts=facts, hidden=hidden
    )


@bp.post("/orders/<number>/resend")
def order_resend(number: str) -> Page:
    order = _order_or_404(number)
    form = ResendConfirmationForm()
    if not form.validate_on_submit():
        return _order_page(order, 400)
    try:
        staff_actions.check_resend(order)
        if not form.is_confirmed:
            guides = [line.name for line in order.lines if line.is_digital]
            facts = [("Email to", order.email)]
            if guides:
                facts.append(("Fresh download links for", ", ".join(guides)))
            return _confirm_page(
                order,
                Confirmation(
                    action="admin.order_resend",
                    title=f"Email the confirmation of order {order.number} again?",
                    facts=facts,
                    warning=None,
                    button="Yes, send it again",
                ),
            )
        links = staff_actions.resend_confirmation(current_actor(), order.id)
    except OrderError as error:
        return _refused(number, error)
    extra = f" with {links} fresh download link{'s' if links != 1 else ''}" if links else ""
    return _done(number, f"The confirmation was sent again to {order.email}{extra}.")


@bp.post("/orders/<number>/notes")
def order_note(number: str) -> Page:
    order = _order_or_404(number)
    form = OrderNoteForm()
    if not form.validate_on_submit():
        return _order_page(order, 400, open_action="note", note_form=form)
    try:
        staff_actions.add_note(current_actor(), order.id, form.text.data)
    except OrderError as error:
        return _refused(number, error, "note")
    return _done(number, "Note added to the timeline.")


@bp.post("/orders/<number>/clear-flag")
def order_clear_flag(number: str) -> Page:
    order = _order_or_404(number)
    form = ClearFlagForm()
    if not form.validate_on_submit():
        return _order_page(order, 400, open_action="flag", flag_form=form)
    try:
        staff_actions.clear_flag(current_actor(), order.id, resolution=form.resolution.data)
    except OrderError as error:
        return _refused(number, error, "flag")
    return _done(number, "Flag cleared. The flag's reason and your note stay on the timeline.")
