"""Staff managing codes: create, edit, pause, resume and end, each checked and written to the audit log
(docs/rules.md#discounts rules 11-12). Takes plain values and the acting staff member; commits once."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop import pricing
from shop.audit.services import Actor, record
from shop.catalog.models import Product
from shop.clock import utcnow
from shop.database import committing
from shop.discounts.errors import CodeEditError, MalformedCodeError
from shop.discounts.models import CodeKind, DiscountCode, DiscountCodeProduct, DiscountScope
from shop.discounts.rules import describe, find_code, normalize_code
from shop.extensions import db

PAGE_SIZE = 50


@dataclass(frozen=True)
class CodeTerms:
    """What staff set on a code. Exactly one of percent_bp / amount_cents."""

    description: str
    percent_bp: int | None
    amount_cents: int | None
    scope: str
    product_ids: tuple[int, ...] = ()
    min_subtotal_cents: int = 0
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    usage_limit: int | None = None
    once_per_customer: bool = False


def check_terms(terms: CodeTerms) -> None:
    """CodeEditError (naming the field) for terms a code cannot have."""
    if (terms.percent_bp is None) == (terms.amount_cents is None):
        raise CodeEditError("Give either a percentage or an amount off.", field="value")
    if terms.percent_bp is not None and not 0 < terms.percent_bp <= pricing.BASIS_POINTS:
        raise CodeEditError("A percentage must be more than 0% and at most 100%.", field="value")
    if terms.amount_cents is not None and terms.amount_cents <= 0:
        raise CodeEditError("An amount off must be more than $0.00.", field="value")
    if terms.min_subtotal_cents < 0:
        raise CodeEditError("A minimum subtotal cannot be negative.", field="min_subtotal")
    if terms.usage_limit is not None and terms.usage_limit < 1:
        raise CodeEditError(
            "A use limit must be at least 1 (leave it empty for no limit).", field="usage_limit"
        )
    if terms.starts_at and terms.ends_at and terms.ends_at <= terms.starts_at:
        raise CodeEditError("The end must come after the start.", field="ends_at")
    try:
        scope = DiscountScope(terms.scope)
    except ValueError:
        raise CodeEditError("Choose what the code applies to.", field="scope") from None
    if scope == DiscountScope.PRODUCTS:
        if not terms.product_ids:
            raise CodeEditError("Choose at least one product for this code.", field="product_ids")
        known = set(db.session.scalars(sa.select(Product.id).where(Product.id.in_(terms.product_ids))))
        if known != set(terms.product_ids):
            raise CodeEditError("One of the chosen products no longer exists.", field="product_ids")


def _apply_terms(code: DiscountCode, terms: CodeTerms) -> None:
    code.description = terms.description
    code.percent_bp = terms.percent_bp
    code.amount_cents = terms.amount_cents
    code.scope = terms.scope
    code.min_subtotal_cents = terms.min_subtotal_cents
    code.starts_at = terms.starts_at
    code.ends_at = terms.ends_at
    code.usage_limit = terms.usage_limit
    code.once_per_customer = terms.once_per_customer
    chosen = terms.product_ids if terms.scope == DiscountScope.PRODUCTS else ()
    code.product_links = [DiscountCodeProduct(product_id=product_id) for product_id in sorted(set(chosen))]


def _audit(actor: Actor, action: str, code: DiscountCode, summary: str) -> None:
    record(
        actor,
        action,
        target_type="discount_code",
        target_id=code.id,
        summary=summary,
        code=code.code,
        terms=describe(code),
        usage_limit=code.usage_limit,
        paused=code.paused,
    )


def create_code(actor: Actor, raw_code: str, terms: CodeTerms) -> DiscountCode:
    """A new code. Raises CodeEditError (a bad code, one already taken, bad terms). Commits."""
    try:
        text = normalize_code(raw_code)
    except MalformedCodeError as error:
        raise CodeEditError(error.message, field="code") from error
    if find_code(text) is not None:
        raise CodeEditError(f"{text} already exists: pick another code.", field="code")
    check_terms(terms)
    with committing():
        code = DiscountCode(code=text, kind=CodeKind.STANDARD.value)
        _apply_terms(code, terms)
        db.session.add(code)
        db.session.flush()
        _audit(actor, "discount.create", code, f"Created discount code {text}: {describe(code)}")
    return code


def _locked(code_id: int) -> DiscountCode:
    code = db.session.scalar(sa.select(DiscountCode).where(DiscountCode.id == code_id).with_for_update())
    if code is None:
        raise CodeEditError("That discount code no longer exists.")
    return code


def update_code(actor: Actor, code_id: int, terms: CodeTerms) -> DiscountCode:
    """Change a code's terms (its text stays). Orders placed keep what they were charged. Commits.

    A use limit below the uses already held is refused: those orders keep their discount."""
    check_terms(terms)
    with committing():
        code = _locked(code_id)
        if terms.usage_limit is not None and terms.usage_limit < code.uses_count:
            raise CodeEditError(
                f"{code.code} is already used {code.uses_count} times: the limit cannot be lower.",
                field="usage_limit",
            )
        before = describe(code)
        _apply_terms(code, terms)
        _audit(actor, "discount.edit", code, f"Edited discount code {code.code}: {before} → {describe(code)}")
    return code


def set_paused(actor: Actor, code_id: int, *, paused: bool) -> DiscountCode:
    """Pause a code (carts holding it stop getting its discount) or resume it. Commits."""
    with committing():
        code = _locked(code_id)
        if code.ended_at is not None:
            raise CodeEditError(f"{code.code} has ended and cannot be paused or resumed.")
        code.paused = paused
        action = "discount.pause" if paused else "discount.resume"
        _audit(actor, action, code, f"{'Paused' if paused else 'Resumed'} discount code {code.code}")
    return code


def end_code(actor: Actor, code_id: int) -> DiscountCode:
    """End a code for good, now. Commits."""
    with committing():
        code = _locked(code_id)
        if code.ended_at is None:
            code.ended_at = utcnow()
            _audit(actor, "discount.end", code, f"Ended discount code {code.code}")
    return code


def list_codes(*, page: int, kind: str = CodeKind.STANDARD.value) -> tuple[list[DiscountCode], int]:
    """Codes of one kind, newest first, and how many there are."""
    total = db.session.scalar(sa.select(sa.func.count(DiscountCode.id)).where(DiscountCode.kind == kind))
    codes = db.session.scalars(
        sa.select(DiscountCode)
        .where(DiscountCode.kind == kind)
        .options(selectinload(DiscountCode.product_links))
        .order_by(DiscountCode.created_at.desc(), DiscountCode.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return list(codes), total or 0


def get_code_for_staff(code_id: int) -> DiscountCode | None:
    return db.session.get(DiscountCode, code_id)


def status_of(code: DiscountCode, *, now: datetime | None = None) -> str:
    """ "Active", "Paused", "Scheduled", "Ended" or "Used up", for the admin list."""
    now = now or utcnow()
    if code.ended_at is not None or (code.ends_at is not None and code.ends_at <= now):
        return "Ended"
    if code.paused:
        return "Paused"
    if code.starts_at is not None and code.starts_at > now:
        return "Scheduled"
    if code.usage_limit is not None and code.uses_count >= code.usage_limit:
        return "Used up"
    return "Active"
