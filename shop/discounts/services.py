"""Discount use cases: the code a cart carries, the use an order takes and gives back, and a lead's
welcome code. Callers pass plain values (cart id, order id, email); docs/rules.md#discounts."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from shop import pricing
from shop.clock import utcnow
from shop.database import committing
from shop.discounts.errors import CodeUsedUpError, DiscountError
from shop.discounts.models import (
    CartDiscount,
    CodeKind,
    DiscountCode,
    DiscountRedemption,
    DiscountScope,
)
from shop.discounts.rules import (
    DiscountItem,
    Shopper,
    describe,
    discounted_lines,
    get_code,
    has_active_use,
)
from shop.email_addresses import normalize_email
from shop.extensions import db


@dataclass(frozen=True)
class PricedDiscount:
    """A cart's lines after its code. `code` is set when the code applies (the lines carry it);
    `problem` says why the cart's code does not apply now (the lines are then undiscounted)."""

    lines: list[pricing.PricedLine]
    code: str | None = None
    code_id: int | None = None
    summary: str | None = None  # "10% off merchandise"
    attached_code: str | None = None
    problem: str | None = None


def _cart_code(cart_id: int | None) -> DiscountCode | None:
    if cart_id is None:
        return None
    return db.session.scalar(
        sa.select(DiscountCode).join(CartDiscount).where(CartDiscount.cart_id == cart_id)
    )


def price_cart(
    cart_id: int | None,
    lines: Sequence[pricing.PricedLine],
    items: Sequence[DiscountItem],
    *,
    shopper: Shopper,
    now: datetime | None = None,
) -> PricedDiscount:
    """The cart's lines with its code's discount when the code applies now; the reason when not."""
    code = _cart_code(cart_id)
    if code is None:
        return PricedDiscount(lines=list(lines))
    try:
        discounted = discounted_lines(code, lines, items, shopper=shopper, now=now or utcnow())
    except DiscountError as error:
        return PricedDiscount(lines=list(lines), attached_code=code.code, problem=error.message)
    return PricedDiscount(
        lines=discounted,
        code=code.code,
        code_id=code.id,
        summary=describe(code),
        attached_code=code.code,
    )


def attach_to_cart(
    cart_id: int,
    raw_code: object,
    lines: Sequence[pricing.PricedLine],
    items: Sequence[DiscountItem],
    *,
    shopper: Shopper,
) -> DiscountCode:
    """Put the typed code on the cart (replacing any other: one code per order) if it applies now;
    otherwise the DiscountError saying why, and the cart keeps what it had. Commits."""
    code = get_code(raw_code)
    discounted_lines(code, lines, items, shopper=shopper, now=utcnow())
    with committing():
        held = db.session.get(CartDiscount, cart_id)
        if held is None:
            db.session.add(CartDiscount(cart_id=cart_id, code_id=code.id))
        else:
            held.code_id = code.id
            held.applied_at = utcnow()
    return code


def detach_from_cart(cart_id: int | None) -> bool:
    """Take the code off the cart (nothing to do if it has none). Commits. Returns whether it had one."""
    if cart_id is None:
        return False
    with committing():
        result = db.session.execute(sa.delete(CartDiscount).where(CartDiscount.cart_id == cart_id))
    return bool(result.rowcount)


def move_cart_code(from_cart_id: int, to_cart_id: int) -> None:
    """At login, the browser's cart code goes to the customer's cart unless that one has a code already.
    In the caller's transaction (before the browser's cart is deleted)."""
    held = db.session.get(CartDiscount, from_cart_id)
    if held is None or db.session.get(CartDiscount, to_cart_id) is not None:
        return
    db.session.add(CartDiscount(cart_id=to_cart_id, code_id=held.code_id))
    db.session.delete(held)
    db.session.flush()


def redeem(code_id: int, *, order_id: int, email: str, discount_cents: int) -> None:
    """Take one use of the code for an order being placed, in the caller's transaction (the one that
    reserves the order's stock, so both happen or neither).

    The use count goes up by a conditional UPDATE that also locks the code's row: concurrent placements
    with the same code queue here, so the last use is sold once and the once-per-customer check that
    follows sees every use committed before it. Raises CodeUsedUpError or DiscountError.
    """
    result = db.session.execute(
        sa.update(DiscountCode)
        .where(
            DiscountCode.id == code_id,
            sa.or_(DiscountCode.usage_limit.is_(None), DiscountCode.uses_count < DiscountCode.usage_limit),
        )
        .values(uses_count=DiscountCode.uses_count + 1)
        .execution_options(synchronize_session=False)
    )
    code = db.session.get(DiscountCode, code_id, populate_existing=True)
    assert code is not None
    if result.rowcount != 1:
        raise CodeUsedUpError(f"{code.code} has just been used up, so your order was not placed.")
    email = normalize_email(email)
    if (code.once_per_customer or code.bound_email) and has_active_use(code_id, email):
        raise DiscountError(f"{code.code} has already been used with {email}: it works once per customer.")
    db.session.add(
        DiscountRedemption(code_id=code_id, order_id=order_id, email=email, discount_cents=discount_cents)
    )
    db.session.flush()


def release_for_order(order_id: int) -> bool:
    """Give an unpaid order's use back to its code, once (only the UPDATE that sets released_at does
    it). In the caller's transaction. Returns whether this call gave it back."""
    code_id = db.session.scalar(
        sa.select(DiscountRedemption.code_id).where(DiscountRedemption.order_id == order_id)
    )
    if code_id is None:
        return False
    result = db.session.execute(
        sa.update(DiscountRedemption)
        .where(DiscountRedemption.order_id == order_id, DiscountRedemption.released_at.is_(None))
        .values(released_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.execute(
        sa.update(DiscountCode)
        .where(DiscountCode.id == code_id, DiscountCode.uses_count > 0)
        .values(uses_count=DiscountCode.uses_count - 1)
        .execution_options(synchronize_session=False)
    )
    return True


def retake_for_order(order_id: int) -> bool:
    """For a payment that arrived after the order's use was given back: take the use again if the code
    has one left. In the caller's transaction. True when the order holds its use (or had none)."""
    redemption = db.session.scalar(
        sa.select(DiscountRedemption).where(DiscountRedemption.order_id == order_id)
    )
    if redemption is None or redemption.released_at is None:
        return True
    result = db.session.execute(
        sa.update(DiscountCode)
        .where(
            DiscountCode.id == redemption.code_id,
            sa.or_(DiscountCode.usage_limit.is_(None), DiscountCode.uses_count < DiscountCode.usage_limit),
        )
        .values(uses_count=DiscountCode.uses_count + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    redemption.released_at = None
    return True


def get_redemption(order_id: int) -> DiscountRedemption | None:
    return db.session.scalar(sa.select(DiscountRedemption).where(DiscountRedemption.order_id == order_id))


# --- Welcome codes for guide leads ------------------------------------------------------------------

WELCOME_PREFIX = "WELCOME-"
WELCOME_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # nothing to misread: no 0/O, 1/I/L, U
WELCOME_RANDOM_LENGTH = 8


@dataclass(frozen=True)
class WelcomeOffer:
    """The welcome code's terms from the shop's settings (config.py validates them)."""

    percent_bp: int
    days: int
    scope: str = DiscountScope.ALL.value


def get_welcome_code(lead_id: int) -> DiscountCode | None:
    return db.session.scalar(sa.select(DiscountCode).where(DiscountCode.lead_id == lead_id))


def create_welcome_code(
    *, lead_id: int, email: str, offer: WelcomeOffer, now: datetime | None = None
) -> DiscountCode:
    """The lead's personal code, made once (a second call returns the first): bound to their email,
    one use, first paid order only, valid `offer.days` days. In the caller's transaction."""
    existing = get_welcome_code(lead_id)
    if existing is not None:
        return existing
    now = now or utcnow()
    while True:
        text = WELCOME_PREFIX + "".join(
            secrets.choice(WELCOME_ALPHABET) for _ in range(WELCOME_RANDOM_LENGTH)
        )
        if db.session.scalar(sa.select(DiscountCode.id).where(DiscountCode.code == text)) is None:
            break
    code = DiscountCode(
        code=text,
        description="Welcome code for a guide lead",
        kind=CodeKind.WELCOME.value,
        percent_bp=offer.percent_bp,
        scope=offer.scope,
        min_subtotal_cents=0,
        starts_at=now,
        ends_at=now + timedelta(days=offer.days),
        usage_limit=1,
        once_per_customer=True,
        bound_email=normalize_email(email),
        first_order_only=True,
        lead_id=lead_id,
    )
    db.session.add(code)
    db.session.flush()
    return code


def forget_welcome_code_email(lead_id: int) -> None:
    """A lead is being erased: their code keeps its counts but no longer names them, and can no longer
    be used. In the caller's transaction."""
    code = get_welcome_code(lead_id)
    if code is None:
        return
    code.bound_email = "erased"
    code.lead_id = None
    if code.ended_at is None:
        code.ended_at = utcnow()
