"""Customers: confirmed and unconfirmed accounts, and the download grants their orders make."""

import sqlalchemy as sa

from shop.accounts.models import User
from shop.clock import utcnow
from shop.downloads.models import DownloadGrant
from shop.extensions import db
from tests.accounts.helpers import make_user


def grant_count() -> int:
    """Download grants in the database: a refused request must not have made one."""
    return db.session.scalar(sa.select(sa.func.count(DownloadGrant.id))) or 0


def make_customer(email: str = "ana@example.com", *, confirmed: bool = True) -> User:
    user = make_user(email=email)
    if confirmed:
        user.email_confirmed_at = utcnow()
        db.session.commit()
    return user
