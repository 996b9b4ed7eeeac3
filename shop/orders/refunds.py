"""Refunds recorded on an order: the amount or the lines, the status, revoked download links. The provider
call that moves the money is in shop/payments/refunds.py.

Two kinds of refund (docs/rules.md#refunds): by amount (staff type it, or the provider reports it), whose
tax part is the order's tax left in proportion to the money left; and by lines (units of chosen lines, and
the shipping), whose tax part is those units' own tax. Both add to the order's refunded totals, which never
exceed what was paid; a refund by lines must also fit in what the amount refunds left on the order.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from shop import pricing
from shop.downloads.models import DownloadGrant
from shop.downloads.services import revoke_grants
from shop.extensions import db
from shop.money import format_cents
from shop.orders.actors import ACTOR_PAYMENTS
from shop.orders.errors import RefundError
from shop.orders.invoice_models import CreditNoteLine
from shop.orders.invoices import issue_credit_note
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.orders.payment_events import Outcome, apply_provider_event, flag
from shop.orders.status_machine import PAID_STATES, add_event, transition
from shop.orders.stock import release_reservation


def order_grants(order: Order) -> list[DownloadGrant]:
    return list(db.session.scalars(sa.select(DownloadGrant).where(DownloadGrant.order_id == order.id)))


def apply_refund(order: Order, refunded_total_cents: int, *, actor: str, note: str, revoke: bool) -> bool:
    """Bring the order's refunded amount up to `refunded_total_cents` (never down). In the caller's
    transaction. Returns whether anything changed."""
    refunded_total_cents = min(refunded_total_cents, order.total_cents)
    if refunded_total_cents <= order.refunded_cents:
        return False
    refunded_now = refunded_total_cents - order.refunded_cents
    _record(order, refunded_now, refund_tax_part(order, refunded_now), actor=actor, note=note, revoke=revoke)
    return True


def _record(
    order: Order,
    amount_cents: int,
    tax_cents: int,
    *,
    actor: str,
    note: str,
    revoke: bool,
    what: str = "",
    lines: list[CreditNoteLine] | None = None,
) -> None:
    """Add a refund of `amount_cents` (`tax_cents` of it tax) to the order's totals: its credit note,
    status and timeline entry (`what` names the lines refunded), and its download links revoked."""
    order.refunded_cents += amount_cents
    order.refunded_tax_cents += tax_cents
    full = order.refunded_cents >= order.total_cents
    target = OrderStatus.REFUNDED if full else OrderStatus.PARTIALLY_REFUNDED
    detail = f"Refunded {format_cents(amount_cents, order.currency)}{what}"
    if order.tax_cents:
        detail += f", of which {format_cents(tax_cents, order.currency)} tax"
    if not full:
        detail += f" ({format_cents(order.refunded_cents, order.currency)} in all)"
    credit_note = issue_credit_note(order, amount_cents, tax_cents=tax_cents, reason=note, lines=lines)
    transition(
        order, target, actor=actor, note=f"{detail}. {note}".strip() + f" Credit note {credit_note.number}."
    )
    if revoke:
        revoked = revoke_grants(order_grants(order))
        if revoked:
            add_event(order, actor=actor, kind="downloads", note=f"{revoked} download link(s) revoked.")


def refund_tax_part(order: Order, amount_cents: int) -> int:
    """How much of a refund of `amount_cents` by amount is tax: the order's tax not yet refunded, in
    proportion to the money not yet refunded (docs/rules.md#tax rule 7)."""
    return pricing.refund_tax_cents(
        amount_cents=amount_cents,
        left_cents=order.total_cents - order.refunded_cents,
        tax_left_cents=order.tax_cents - order.refunded_tax_cents,
    )


def check_refundable(order: Order, *, expected_refunded_cents: int | None) -> None:
    """RefundError unless the order can be refunded now. `expected_refunded_cents` (what staff saw when
    they confirmed) refuses the refund if another one landed since, so a double-submitted form, or two
    admins refunding at once, cannot refund twice."""
    if order.status not in PAID_STATES:
        raise RefundError(f"Order {order.number} is {order.status.replace('_', ' ')}: nothing to refund.")
    if not order.payment_intent_id:
        raise RefundError(f"Order {order.number} has no payment reference to refund against.")
    if expected_refunded_cents is not None and order.refunded_cents != expected_refunded_cents:
        raise RefundError(
            f"Order {order.number}'s refunds changed after this one was reviewed (now "
            f"{format_cents(order.refunded_cents, order.currency)} refunded in all), so nothing more was "
            "refunded. Check the timeline before trying again."
        )


def refund_amount(order: Order, amount_cents: int | None, *, expected_refunded_cents: int | None) -> int:
    """What a refund of `amount_cents` (None: all that is left) may take from this order, or RefundError
    saying why it can't (check_refundable)."""
    check_refundable(order, expected_refunded_cents=expected_refunded_cents)
    remaining = order.total_cents - order.refunded_cents
    amount = remaining if amount_cents is None else amount_cents
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0 or amount > remaining:
        raise RefundError(
            f"A refund must be between {format_cents(1, order.currency)} and "
            f"{format_cents(remaining, order.currency)}."
        )
    return amount


SHIPPING = "Shipping"


@dataclass(frozen=True)
class RefundedLine:
    """Units of one order line (None: the shipping) a refund by lines gives back."""

    line: OrderLine | None
    quantity: int
    refund: pricing.LineRefund


@dataclass(frozen=True)
class LineRefundPlan:
    """A refund by lines, checked against the order as it is: what each line gives back."""

    items: list[RefundedLine]

    @property
    def amount_cents(self) -> int:
        return sum(item.refund.total_cents for item in self.items)

    @property
    def tax_cents(self) -> int:
        return sum(item.refund.tax_cents for item in self.items)

    def describe(self) -> str:
        """The lines as the timeline and audit log name them ("2 × Hoodie, Shipping")."""
        return ", ".join(
            SHIPPING if item.line is None else f"{item.quantity} × {item.line.name}" for item in self.items
        )


def shipping_refund(order: Order) -> pricing.LineRefund:
    """What refunding the shipping gives back: the shipping and the tax not on any line (Stripe Tax's
    share of the shipping), or nothing once it was refunded."""
    if order.shipping_refunded:
        return pricing.LineRefund(net_cents=0, tax_cents=0)
    return pricing.LineRefund(net_cents=order.shipping_cents, tax_cents=order.shipping_tax_cents)


def refunded_by_amount_cents(order: Order) -> int:
    """What refunds by amount (staff, the provider, a cancellation) gave back: the order's refunds less
    those made by lines."""
    by_lines = sum(line.line_refunded_cents for line in order.lines)
    if order.shipping_refunded:
        by_lines += order.shipping_cents + order.shipping_tax_cents
    return max(order.refunded_cents - by_lines, 0)


def plan_line_refund(
    order: Order,
    quantities: Mapping[int, int],
    *,
    shipping: bool,
    expected_refunded_cents: int | None,
) -> LineRefundPlan:
    """Check a refund of `quantities` (order line id → units) and, with `shipping`, the shipping, against
    the order as it is; RefundError saying why not (400 for a request the rules refuse). Lines with 0
    units are left out. A refund by lines fits in what is left of the order's total and of its tax, so
    after a refund by amount some lines may no longer be refundable by lines (refund the rest by amount)."""
    check_refundable(order, expected_refunded_cents=expected_refunded_cents)
    lines = {line.id: line for line in order.lines}
    items = []
    for line_id, quantity in quantities.items():
        line = lines.get(line_id)
        if line is None:
            raise RefundError(f"Order {order.number} has no such line.", status_code=400)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            raise RefundError(f"Enter how many of {line.name} to refund, as a whole number.", status_code=400)
        if quantity > line.quantity_left:
            raise RefundError(
                f"Only {line.quantity_left} of {line.name} {'is' if line.quantity_left == 1 else 'are'} "
                "left to refund.",
                status_code=400,
            )
        if quantity:
            refund = pricing.line_refund(
                quantity=line.quantity,
                net_cents=line.line_total_cents,
                tax_cents=line.tax_cents,
                refunded_quantity=line.refunded_quantity,
                refund_quantity=quantity,
            )
            items.append(RefundedLine(line=line, quantity=quantity, refund=refund))
    if shipping:
        refund = shipping_refund(order)
        if refund.total_cents == 0:
            raise RefundError(f"Order {order.number} has no shipping left to refund.", status_code=400)
        items.append(RefundedLine(line=None, quantity=0, refund=refund))
    plan = LineRefundPlan(items=[item for item in items if item.refund.total_cents or item.quantity])
    if not plan.items or plan.amount_cents == 0:
        raise RefundError("Choose at least one unit of a line to refund.", status_code=400)
    left = order.total_cents - order.refunded_cents
    tax_left = order.tax_cents - order.refunded_tax_cents
    if plan.amount_cents > left or plan.tax_cents > tax_left:
        raise RefundError(
            f"These lines come to {format_cents(plan.amount_cents, order.currency)}"
            + (f" with {format_cents(plan.tax_cents, order.currency)} tax" if plan.tax_cents else "")
            + f", more than is left on the order ({format_cents(left, order.currency)}"
            + (f" with {format_cents(tax_left, order.currency)} tax" if order.tax_cents else "")
            + ") after its refunds by amount. Refund the rest by amount.",
            status_code=400,
        )
    return plan


def apply_line_refund(order: Order, plan: LineRefundPlan, *, actor: str, note: str, revoke: bool) -> None:
    """Record a refund by lines the provider accepted, in the caller's transaction (the order's row
    locked since `plan` was made): each line's refunded units, net and tax, then the order's totals,
    the credit note listing the lines, status and timeline as for any refund."""
    credit_lines = []
    for item in plan.items:
        if item.line is None:
            order.shipping_refunded = True
            description, sku, line_id = SHIPPING, "", None
        else:
            item.line.refunded_quantity += item.quantity
            item.line.refunded_cents += item.refund.net_cents
            item.line.refunded_tax_cents += item.refund.tax_cents
            description, sku, line_id = item.line.name, item.line.sku, item.line.id
        credit_lines.append(
            CreditNoteLine(
                order_line_id=line_id,
                description=description,
                sku=sku,
                quantity=item.quantity,
                net_cents=item.refund.net_cents,
                tax_cents=item.refund.tax_cents,
            )
        )
    _record(
        order,
        plan.amount_cents,
        plan.tax_cents,
        actor=actor,
        note=note,
        revoke=revoke,
        what=f" for {plan.describe()}",
        lines=credit_lines,
    )


def check_cancellable_paid(order: Order) -> None:
    """A paid order can be cancelled (refunded in full) only before any refund, with a payment
    reference to refund against; RefundError otherwise."""
    if order.status != OrderStatus.PAID or order.refunded_cents:
        raise RefundError(
            f"Order {order.number} is {order.status.replace('_', ' ')} and cannot be cancelled."
        )
    if not order.payment_intent_id:
        raise RefundError(f"Order {order.number} has no payment reference to refund against.")


def cancel_refunded(order: Order, *, actor: str, note: str) -> None:
    """Record a paid order cancelled and refunded in full: stock back, download links revoked. In the
    caller's transaction."""
    refunded_now = order.total_cents - order.refunded_cents
    tax_part = order.tax_cents - order.refunded_tax_cents
    order.refunded_cents = order.total_cents
    order.refunded_tax_cents += tax_part
    detail = f", {format_cents(tax_part, order.currency)} of it tax" if order.tax_cents else ""
    summary = f"Cancelled and refunded in full{detail}. {note}".strip()
    if refunded_now > 0:
        credit_note = issue_credit_note(
            order, refunded_now, tax_cents=tax_part, reason=f"Order cancelled. {note}".strip()
        )
        summary += f" Credit note {credit_note.number}."
    transition(order, OrderStatus.CANCELLED, actor=actor, note=summary)
    release_reservation(order, actor=actor)
    revoke_grants(order_grants(order))


def record_provider_refund(
    payment_intent_id: str,
    refunded_total_cents: int,
    *,
    actor: str = ACTOR_PAYMENTS,
    event_id: str | None = None,
    event_type: str = "",
) -> Outcome:
    """A refund made at the provider (dashboard, or ours echoed back by charge.refunded). Idempotent:
    only an amount above what is already recorded changes anything. Commits."""
    order_id = db.session.scalar(
        sa.select(Order.id).where(Order.payment_intent_id == payment_intent_id).order_by(Order.id).limit(1)
    )

    def record(order: Order) -> Outcome:
        if order.status in PAID_STATES:
            changed = apply_refund(
                order, refunded_total_cents, actor=actor, note="Recorded from the provider.", revoke=True
            )
            return Outcome.APPLIED if changed else Outcome.ALREADY_DONE
        if order.refunded_cents >= min(refunded_total_cents, order.total_cents):
            return Outcome.ALREADY_DONE
        flag(
            order,
            actor=actor,
            reason=f"The provider reports {format_cents(refunded_total_cents, order.currency)} refunded "
            f"on an order that is {order.status.replace('_', ' ')}.",
        )
        return Outcome.FLAGGED

    return apply_provider_event(order_id, event_id=event_id, event_type=event_type, apply=record)
