"""Recording and listing staff actions."""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from shop.audit.models import AuditEvent
from shop.extensions import db


@dataclass(frozen=True)
class Actor:
    """Who is acting: passed into services as plain values, never as current_user."""

    user_id: int | None
    email: str


PAGE_SIZE = 50


def record(
    actor: Actor, action: str, *, target_type: str, target_id: object, summary: str, **details: Any
) -> None:
    """Append an audit event in the caller's transaction."""
    db.session.add(
        AuditEvent(
            actor_id=actor.user_id,
            actor_email=actor.email,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            summary=summary[:500],
            details=details,
        )
    )


def list_events(
    *, page: int, page_size: int = PAGE_SIZE, target_type: str | None = None
) -> tuple[list[AuditEvent], int]:
    query = sa.select(AuditEvent)
    count = sa.select(sa.func.count(AuditEvent.id))
    if target_type:
        query = query.where(AuditEvent.target_type == target_type)
        count = count.where(AuditEvent.target_type == target_type)
    total = db.session.scalar(count) or 0
    events = db.session.scalars(
        query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return list(events), total
