"""A customer's discount data for their export and for deleting their account (docs/rules.md#your-data):
the uses of codes by their orders and the welcome code made for their guide lead."""

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from shop.discounts.models import DiscountCode, DiscountRedemption
from shop.discounts.services import get_welcome_code
from shop.extensions import db


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def redemptions_export(order_numbers: Mapping[int, str]) -> list[dict[str, Any]]:
    """Each use of a code by these orders (order id → number), oldest first: one query."""
    if not order_numbers:
        return []
    redemptions = db.session.scalars(
        sa.select(DiscountRedemption)
        .where(DiscountRedemption.order_id.in_(list(order_numbers)))
        .options(joinedload(DiscountRedemption.code))
        .order_by(DiscountRedemption.created_at, DiscountRedemption.id)
    )
    return [
        {
            "code": redemption.code.code,
            "order": order_numbers[redemption.order_id],
            "email": redemption.email,
            "discount_cents": redemption.discount_cents,
            "used_at": _iso(redemption.created_at),
            # Set when the order ended unpaid and the use went back to the code.
            "given_back_at": _iso(redemption.released_at),
        }
        for redemption in redemptions
    ]


def welcome_code_export(lead_id: int | None) -> dict[str, Any] | None:
    """The welcome code made for the lead, with its terms, or None."""
    code = get_welcome_code(lead_id) if lead_id is not None else None
    if code is None:
        return None
    return {
        "code": code.code,
        "for_email": code.bound_email,
        "percent_bp": code.percent_bp,
        "scope": code.scope,
        "created_at": _iso(code.created_at),
        "ends_at": _iso(code.ends_at),
        "ended_at": _iso(code.ended_at),
        "uses": code.uses_count,
    }


def forget_redemption_emails(order_ids: list[int], *, placeholder: str) -> int:
    """The orders' uses of codes take the placeholder address their orders took, in the caller's
    transaction. The uses stay (a code's use count and use limit are unchanged, and a use still goes back
    if its order ends unpaid); only the address they name changes. Returns how many changed."""
    if not order_ids:
        return 0
    result = db.session.execute(
        sa.update(DiscountRedemption)
        .where(DiscountRedemption.order_id.in_(order_ids))
        .values(email=placeholder)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def welcome_code_id(lead_id: int) -> int | None:
    """The id of the welcome code made for the lead, if any (read before the lead is erased)."""
    code = get_welcome_code(lead_id)
    return code.id if code is not None else None


def rename_welcome_code_email(code_id: int | None, *, placeholder: str) -> bool:
    """A deleted account's welcome code, already ended with its lead (services.forget_welcome_code_email),
    names the account's placeholder address, as its use by one of the account's orders does: the code and
    its use still agree on whose they were, and nobody's address is kept. In the caller's transaction."""
    if code_id is None:
        return False
    code = db.session.get(DiscountCode, code_id)
    if code is None:
        return False
    code.bound_email = placeholder
    return True
