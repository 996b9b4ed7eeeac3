"""Housekeeping for carts: abandoned carts older than their lifetime are deleted."""

from datetime import datetime

import sqlalchemy as sa

from shop.cart.models import Cart, CartLine
from shop.extensions import db


def purge_stale_carts(*, older_than: datetime) -> int:
    """Delete carts last touched before `older_than`, with their lines. Returns how many. Commits."""
    stale_ids = sa.select(Cart.id).where(Cart.updated_at < older_than)
    db.session.execute(sa.delete(CartLine).where(CartLine.cart_id.in_(stale_ids)))
    result = db.session.execute(sa.delete(Cart).where(Cart.updated_at < older_than))
    db.session.commit()
    return result.rowcount or 0
