"""Download grants for a customer's own data requests: the export's download history, and what
deleting the account does to the links (docs/rules.md#your-data). Nothing here commits."""

from collections import defaultdict
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.clock import utcnow
from shop.downloads.models import DownloadEvent, DownloadGrant
from shop.extensions import db


def _grants_condition(order_ids: Collection[int], email: str) -> sa.ColumnElement[bool]:
    """Grants for the account's orders, and grants sent to its (confirmed) address."""
    return sa.or_(DownloadGrant.order_id.in_(list(order_ids)), DownloadGrant.email == email)


def download_history(order_ids: Collection[int], email: str | None) -> list[dict[str, Any]]:
    """Every grant of the account's orders (and, for a confirmed address, every grant sent to it) with
    every request made through it. Two queries, whatever the number of grants."""
    condition = _grants_condition(order_ids, email) if email else DownloadGrant.order_id.in_(list(order_ids))
    grants = db.session.scalars(
        sa.select(DownloadGrant)
        .where(condition)
        .options(selectinload(DownloadGrant.product))
        .order_by(DownloadGrant.id)
    ).all()
    events: dict[int, list[DownloadEvent]] = defaultdict(list)
    if grants:
        for event in db.session.scalars(
            sa.select(DownloadEvent)
            .where(DownloadEvent.grant_id.in_([grant.id for grant in grants]))
            .order_by(DownloadEvent.id)
        ):
            events[event.grant_id].append(event)  # type: ignore[index]
    return [
        {
            "guide": grant.product.name,
            "sent_to": grant.email,
            "order_id": grant.order_id,
            "created_at": grant.created_at.isoformat(),
            "expires_at": grant.expires_at.isoformat(),
            "downloads": grant.download_count,
            "max_downloads": grant.max_downloads,
            "revoked_at": grant.revoked_at.isoformat() if grant.revoked_at else None,
            "requests": [
                {
                    "at": event.created_at.isoformat(),
                    "outcome": event.outcome,
                    "ip_address": event.ip_address,
                    "user_agent": event.user_agent,
                }
                for event in events[grant.id]
            ],
        }
        for grant in grants
    ]


def forget_account_grants(order_ids: Collection[int], email: str | None, placeholder: str) -> int:
    """The account is going: every link to its orders, or sent to its confirmed address, stops working;
    the orders' grants take the placeholder address and lose their request log (IP addresses, user
    agents). Returns how many links were revoked."""
    condition = _grants_condition(order_ids, email) if email else DownloadGrant.order_id.in_(list(order_ids))
    revoked = db.session.execute(
        sa.update(DownloadGrant)
        .where(condition, DownloadGrant.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if order_ids:
        order_grants = sa.select(DownloadGrant.id).where(DownloadGrant.order_id.in_(list(order_ids)))
        db.session.execute(sa.delete(DownloadEvent).where(DownloadEvent.grant_id.in_(order_grants)))
        db.session.execute(
            sa.update(DownloadGrant)
            .where(DownloadGrant.order_id.in_(list(order_ids)))
            .values(email=placeholder)
            .execution_options(synchronize_session=False)
        )
    return revoked or 0
