"""Whether a code applies, and why not: reading a typed code, the checks in a fixed order, the lines it
covers and the discount spread over them (the arithmetic is shop.pricing's). docs/rules.md#discounts."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from shop import pricing
from shop.discounts.errors import (
    CodeUsedUpError,
    DiscountError,
    MalformedCodeError,
    UnknownCodeError,
)
from shop.discounts.models import DiscountCode, DiscountRedemption, DiscountScope
from shop.email_addresses import normalize_email
from shop.extensions import db
from shop.money import format_cents

CODE_PATTERN = re.compile(r"[A-Z0-9-]{4,32}")
# Anything longer than this is not a code someone typed: refused before any other work.
MAX_TYPED_LENGTH = 64


@dataclass(frozen=True)
class DiscountItem:
    """What a code needs to know about one line besides its price: which product it is."""

    product_id: int
    is_digital: bool


@dataclass(frozen=True)
class Shopper:
    """Who is buying, as far as is known: no email in a guest's cart; at checkout both are known.
    `has_paid_order` None means not known yet (first-order codes are then checked at checkout)."""

    email: str | None = None
    has_paid_order: bool | None = None


def normalize_code(raw: object) -> str:
    """The code as stored: surrounding spaces dropped, upper case. MalformedCodeError says what is wrong
    with anything that cannot be a code (spaces inside, look-alike letters from other alphabets, symbols,
    too short or too long)."""
    if not isinstance(raw, str):
        raise MalformedCodeError("Type a discount code.")
    if len(raw) > MAX_TYPED_LENGTH:
        raise MalformedCodeError("That is too long to be a discount code: codes have at most 32 characters.")
    text = raw.strip()
    if not text:
        raise MalformedCodeError("Type a discount code.")
    if not text.isascii():
        raise MalformedCodeError(
            "Discount codes use only the plain letters A–Z, digits and dashes; that one has a character "
            "from another alphabet or a symbol. Type it again by hand."
        )
    code = text.upper()
    if not CODE_PATTERN.fullmatch(code):
        raise MalformedCodeError(
            "Discount codes are 4 to 32 letters, digits and dashes, with no spaces. Check it and try again."
        )
    return code


def find_code(code: str) -> DiscountCode | None:
    return db.session.scalar(sa.select(DiscountCode).where(DiscountCode.code == code))


def get_code(raw: object) -> DiscountCode:
    """The code a shopper typed, or UnknownCodeError / MalformedCodeError."""
    code = normalize_code(raw)
    found = find_code(code)
    if found is None:
        raise UnknownCodeError(f"We don't know the code {code}. Check the spelling and try again.")
    return found


def eligible_flags(code: DiscountCode, items: Sequence[DiscountItem]) -> list[bool]:
    """Which lines the code covers, by its scope."""
    scope = code.scope
    if scope == DiscountScope.MERCHANDISE:
        return [not item.is_digital for item in items]
    if scope == DiscountScope.GUIDES:
        return [item.is_digital for item in items]
    if scope == DiscountScope.PRODUCTS:
        chosen = code.product_ids
        return [item.product_id in chosen for item in items]
    return [True for _ in items]


def _day(moment: datetime) -> str:
    return f"{moment:%B} {moment.day}, {moment.year}"


def has_active_use(code_id: int, email: str) -> bool:
    """Whether this email holds a use of the code (an order placed and not ended unpaid)."""
    return (
        db.session.scalar(
            sa.select(DiscountRedemption.id)
            .where(
                DiscountRedemption.code_id == code_id,
                DiscountRedemption.email == normalize_email(email),
                DiscountRedemption.released_at.is_(None),
            )
            .limit(1)
        )
        is not None
    )


def _nothing_eligible_message(code: DiscountCode) -> str:
    what = {
        DiscountScope.MERCHANDISE: "merchandise (not guides), and there is none in your cart",
        DiscountScope.GUIDES: "guides, and there are none in your cart",
        DiscountScope.PRODUCTS: "certain products, and none of them is in your cart (or still for sale)",
    }.get(DiscountScope(code.scope), "items in your cart, and there are none")
    return f"{code.code} applies only to {what}."


def check_code(
    code: DiscountCode,
    lines: Sequence[pricing.PricedLine],
    items: Sequence[DiscountItem],
    *,
    shopper: Shopper,
    now: datetime,
) -> list[bool]:
    """The eligible-line flags if the code applies to these lines for this shopper now; otherwise the
    DiscountError for the first reason it does not, in this order: paused or ended, not started, used
    up, bound to another email, already used by this email, not a first order, nothing eligible,
    minimum not reached."""
    name = code.code
    if code.ended_at is not None or (code.ends_at is not None and code.ends_at <= now):
        ended = code.ended_at if code.ended_at is not None else code.ends_at
        raise DiscountError(f"{name} expired on {_day(ended)}.")  # type: ignore[arg-type]
    if code.paused:
        raise DiscountError(f"{name} is paused at the moment. Try again later.")
    if code.starts_at is not None and code.starts_at > now:
        raise DiscountError(f"{name} isn't active yet: it starts on {_day(code.starts_at)}.")
    if code.usage_limit is not None and code.uses_count >= code.usage_limit:
        raise CodeUsedUpError(f"{name} has been used up.")
    email = normalize_email(shopper.email) if shopper.email else None
    if code.bound_email and email and email != code.bound_email:
        raise DiscountError(
            f"{name} is a personal code for another email address. Use the address it was sent to."
        )
    if email and (code.once_per_customer or code.bound_email) and has_active_use(code.id, email):
        raise DiscountError(f"{name} has already been used with {email}: it works once per customer.")
    if code.first_order_only and shopper.has_paid_order:
        raise DiscountError(f"{name} is for a first order, and {email} has ordered before.")
    flags = eligible_flags(code, items)
    if not any(flag and line.gross_cents > 0 for flag, line in zip(flags, lines, strict=True)):
        raise DiscountError(_nothing_eligible_message(code))
    subtotal = pricing.subtotal_cents(lines)
    if subtotal < code.min_subtotal_cents:
        raise DiscountError(
            f"{name} needs a subtotal of at least {format_cents(code.min_subtotal_cents)}: add "
            f"{format_cents(code.min_subtotal_cents - subtotal)} more to use it."
        )
    return flags


def terms_of(code: DiscountCode) -> pricing.DiscountTerms:
    return pricing.DiscountTerms(percent_bp=code.percent_bp, amount_cents=code.amount_cents)


def discounted_lines(
    code: DiscountCode,
    lines: Sequence[pricing.PricedLine],
    items: Sequence[DiscountItem],
    *,
    shopper: Shopper,
    now: datetime,
) -> list[pricing.PricedLine]:
    """The lines with the code's discount spread over the ones it covers (shop.pricing.apply_discount),
    or the DiscountError saying why it does not apply."""
    flags = check_code(code, lines, items, shopper=shopper, now=now)
    return pricing.apply_discount(lines, flags, terms_of(code))


def describe(code: DiscountCode) -> str:
    """ "10% off merchandise", "$5.00 off everything": how the cart and admin name a code's terms."""
    if code.percent_bp is not None:
        whole, part = divmod(code.percent_bp, 100)
        amount = f"{whole}%" if not part else f"{whole}.{part:02d}".rstrip("0") + "%"
    else:
        amount = format_cents(code.amount_cents or 0)
    target = {
        DiscountScope.ALL: "everything",
        DiscountScope.MERCHANDISE: "merchandise",
        DiscountScope.GUIDES: "guides",
        DiscountScope.PRODUCTS: "chosen products",
    }[DiscountScope(code.scope)]
    return f"{amount} off {target}"
