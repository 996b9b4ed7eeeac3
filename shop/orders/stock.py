"""Stock reservation for orders.

Stock is only ever moved by conditional UPDATEs, and a reservation is returned at most once:
`reservation_released_at` is set by an UPDATE that only matches while it is still NULL, in the same
transaction as the stock going back.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shop.orders.placing import NewOrderLine


import sqlalchemy as sa

from shop.catalog.models import ProductVariant
from shop.catalog.product_views import stock_message
from shop.catalog.services import bump_catalog_revision
from shop.clock import utcnow
from shop.extensions import db
from shop.orders.errors import OrderError
from shop.orders.models import Order, OrderLine
from shop.orders.status_machine import add_event


class StockShortError(OrderError):
    """One line could not be reserved; nothing was reserved."""

    status_code = 409

    def __init__(self, name: str, available: int) -> None:
        if available <= 0:
            message = f"Sorry, {name} has just sold out. Remove it from your cart to continue."
        else:
            message = f"Sorry, only {available} left of {name}. Lower the quantity in your cart to continue."
        super().__init__(message)
        self.name = name
        self.available = available


def _physical_quantities(lines: "list[OrderLine] | list[NewOrderLine]") -> list[tuple[int, int, str]]:
    """(variant id, quantity, name) of the lines that hold stock, in variant-id order: every transaction
    locks variant rows in the same order, so two checkouts sharing items cannot deadlock."""
    rows = [
        (line.variant_id, line.quantity, line.name)
        for line in lines
        if not line.is_digital and line.variant_id is not None
    ]
    return sorted(rows)  # type: ignore[arg-type]


def reserve_stock(lines: "list[OrderLine] | list[NewOrderLine]") -> None:
    """Take each physical line's quantity off stock with a conditional UPDATE, in the caller's
    transaction. If one line is short, the lines already taken are put back and StockShortError names it.
    The catalog revision is bumped only when a page would show the new stock differently (docs/rules.md).
    """
    taken: list[tuple[int, int]] = []
    shown_changed = False
    for variant_id, quantity, name in _physical_quantities(lines):
        left = db.session.scalar(
            sa.update(ProductVariant)
            .where(ProductVariant.id == variant_id, ProductVariant.stock_on_hand >= quantity)
            .values(stock_on_hand=ProductVariant.stock_on_hand - quantity)
            .returning(ProductVariant.stock_on_hand)
            .execution_options(synchronize_session=False)
        )
        if left is None:
            for taken_id, taken_quantity in taken:
                _return_stock(taken_id, taken_quantity)
            available = db.session.scalar(
                sa.select(ProductVariant.stock_on_hand).where(ProductVariant.id == variant_id)
            )
            raise StockShortError(name, available or 0)
        taken.append((variant_id, quantity))
        shown_changed = shown_changed or _shown_differently(left + quantity, left)
    if shown_changed:
        bump_catalog_revision()


def _shown_differently(before: int, after: int) -> bool:
    """Whether a storefront page shows stock `after` differently from `before`: cached pages and their
    fragments are keyed by the catalog revision, and bumping it on every order would re-render the whole
    catalog after each checkout (and make every checkout wait for the revision row's lock)."""
    return stock_message(before) != stock_message(after)


def _return_stock(variant_id: int, quantity: int) -> bool:
    """Put `quantity` back; whether a page now shows that variant's stock differently."""
    now = db.session.scalar(
        sa.update(ProductVariant)
        .where(ProductVariant.id == variant_id)
        .values(stock_on_hand=ProductVariant.stock_on_hand + quantity)
        .returning(ProductVariant.stock_on_hand)
        .execution_options(synchronize_session=False)
    )
    return now is not None and _shown_differently(now - quantity, now)


def release_reservation(order: Order, *, actor: str) -> bool:
    """Return the order's reserved stock, once: only the UPDATE that flips reservation_released_at from
    NULL does it. In the caller's transaction. Returns whether this call released it."""
    now = utcnow()
    result = db.session.execute(
        sa.update(Order)
        .where(Order.id == order.id, Order.reservation_released_at.is_(None))
        .values(reservation_released_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(order, ["reservation_released_at"])
    returned = _physical_quantities(order.lines)
    shown_changed = [_return_stock(variant_id, quantity) for variant_id, quantity, _ in returned]
    if any(shown_changed):
        bump_catalog_revision()
    if returned:
        summary = ", ".join(f"{quantity} × {name}" for _, quantity, name in returned)
        add_event(order, actor=actor, kind="stock", note=f"Reserved stock returned: {summary}.")
    return True


def renew_reservation(order: Order, *, actor: str) -> bool:
    """For a payment that arrived after the release: take the stock again if it is still there."""
    try:
        reserve_stock(order.lines)
    except StockShortError as short:
        add_event(order, actor=actor, kind="stock", note=f"Could not reserve stock again: {short.message}")
        return False
    db.session.execute(
        sa.update(Order)
        .where(Order.id == order.id)
        .values(reservation_released_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order, ["reservation_released_at"])
    add_event(order, actor=actor, kind="stock", note="Stock reserved again for a late payment.")
    return True
