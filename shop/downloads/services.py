"""Download grant rules: issue, check, count, reissue and revoke links to guide files.

Tokens are 256-bit random strings given to the customer once; only their SHA-256 is stored.
A grant delivers the file's first byte at most `max_downloads` times until `expires_at` (UTC): see
`sends_first_byte` for what counts.
"""

import enum
import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from shop.catalog.models import Product
from shop.clock import utcnow
from shop.downloads import models as download_models
from shop.downloads.models import DownloadEvent, DownloadGrant
from shop.emails.services import queue_email
from shop.extensions import db
from shop.urls import external_url

log = logging.getLogger(__name__)

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 64


class GrantState(enum.StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    USED_UP = "used_up"
    REVOKED = "revoked"


@dataclass(frozen=True)
class DownloadLink:
    """A freshly issued link, for an email or a page; the token exists only here."""

    product_name: str
    url: str
    expires_at: datetime
    max_downloads: int


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_grant(
    *,
    email: str,
    product: Product,
    ttl_days: int,
    max_downloads: int,
    reissued_from: DownloadGrant | None = None,
    **source: int | None,
) -> tuple[DownloadGrant, DownloadLink]:
    """Create a grant (in the caller's transaction) and return it with its one-time link.

    `source` names where it came from (order_id=…, lead_id=…), for columns later domains add.
    """
    token = secrets.token_urlsafe(TOKEN_BYTES)
    grant = DownloadGrant(
        token_hash=hash_token(token),
        email=email.strip().lower(),
        product=product,
        expires_at=utcnow() + timedelta(days=ttl_days),
        max_downloads=max_downloads,
        download_count=0,
        reissued_from_id=reissued_from.id if reissued_from else None,
    )
    for column, value in source.items():
        setattr(grant, column, value)
    db.session.add(grant)
    link = DownloadLink(
        product_name=product.name,
        url=external_url("downloads.download", token=token),
        expires_at=grant.expires_at,
        max_downloads=max_downloads,
    )
    return grant, link


def find_grant(token: str) -> DownloadGrant | None:
    """The grant for a token, or None for anything unknown, tampered or malformed."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return db.session.scalar(
        sa.select(DownloadGrant)
        .where(DownloadGrant.token_hash == hash_token(token))
        .options(joinedload(DownloadGrant.product))
    )


def grant_state(grant: DownloadGrant, *, now: datetime | None = None) -> GrantState:
    now = now or utcnow()
    if grant.revoked_at is not None:
        return GrantState.REVOKED
    if grant.expires_at <= now:
        return GrantState.EXPIRED
    if grant.download_count >= grant.max_downloads:
        return GrantState.USED_UP
    return GrantState.ACTIVE


def sends_first_byte(*, method: str, status: int, range_start: int | None) -> bool:
    """Whether a response to a download request carries the file's first byte: what the limit counts.

    Decided from the response actually built (its status and Content-Range start), so the count always
    matches what was sent. A full GET (200) and a 206 starting at byte 0 (`bytes=0-`, `bytes=0-0`, a
    suffix as long as the file) count; a 206 from later on (a resumed download), a 304, a 416 and any
    HEAD (no body) send no first byte and cost nothing.
    """
    if method != "GET":
        return False
    if status == 200:
        return True
    return status == 206 and range_start == 0


def delivery_outcome(*, method: str, status: int, range_start: int | None) -> str:
    """The `download_event.outcome` for a response built for an active link."""
    if sends_first_byte(method=method, status=status, range_start=range_start):
        return "served"
    if method == "HEAD":
        return "head"
    return {206: "partial", 304: "not_modified", 416: "unsatisfiable"}.get(status, f"status_{status}")


def record_download(
    grant: DownloadGrant | None,
    *,
    outcome: str,
    counted: bool,
    ip_address: str | None,
    user_agent: str | None,
) -> bool:
    """Log a download attempt; when `counted`, take one download from the grant. Commits.

    The count is taken with a conditional UPDATE, so two simultaneous downloads of the last
    allowance cannot both succeed. Returns False when a counted download was refused.
    """
    claimed = True
    if counted and grant is not None:
        now = utcnow()
        result = db.session.execute(
            sa.update(DownloadGrant)
            .where(
                DownloadGrant.id == grant.id,
                DownloadGrant.download_count < DownloadGrant.max_downloads,
                DownloadGrant.expires_at > now,
                DownloadGrant.revoked_at.is_(None),
            )
            .values(download_count=DownloadGrant.download_count + 1, last_downloaded_at=now)
            .execution_options(synchronize_session=False)
        )
        claimed = result.rowcount == 1
        if not claimed:
            outcome = GrantState.USED_UP.value
    db.session.add(
        DownloadEvent(
            grant_id=grant.id if grant else None,
            outcome=outcome,
            counted=counted and claimed,
            ip_address=(ip_address or "")[:45] or None,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    db.session.commit()
    log.info(
        "download %s grant=%s counted=%s ip=%s",
        outcome,
        grant.id if grant else None,
        counted and claimed,
        ip_address,
    )
    return claimed


def queue_links_email(*, email: str, links: list[DownloadLink], reason: str) -> None:
    """Email download links (in the caller's transaction)."""
    subject = "Your download link" if len(links) == 1 else "Your download links"
    queue_email(
        to=email,
        subject=subject,
        template="download_links",
        context={"links": links, "reason": reason},
    )


def request_fresh_links(*, email: str, token: str | None, ttl_days: int, max_downloads: int) -> int:
    """Email fresh links to `email` for grants it owns; returns how many were sent. Commits.

    With a token: that grant's guide, if the email matches it. Without: the newest grant per guide
    for that email. Revoked grants (refunded orders) never get a fresh link. The caller shows the
    same answer whatever the result, so this reveals nothing about which emails bought what.
    """
    email = email.strip().lower()
    candidates: list[DownloadGrant]
    if token:
        grant = find_grant(token)
        candidates = [grant] if grant is not None and grant.email == email else []
    else:
        candidates = list(
            db.session.scalars(
                sa.select(DownloadGrant)
                .where(DownloadGrant.email == email)
                .options(joinedload(DownloadGrant.product))
                .order_by(DownloadGrant.created_at.desc(), DownloadGrant.id.desc())
            )
        )
    newest_per_product: dict[int, DownloadGrant] = {}
    for grant in candidates:
        newest_per_product.setdefault(grant.product_id, grant)
    links = []
    for grant in newest_per_product.values():
        if grant.revoked_at is not None or not grant.product.is_published:
            continue
        sources = {column: getattr(grant, column) for column in download_models.GRANT_SOURCE_COLUMNS}
        _, link = issue_grant(
            email=email,
            product=grant.product,
            ttl_days=ttl_days,
            max_downloads=max_downloads,
            reissued_from=grant,
            **sources,
        )
        links.append(link)
    if links:
        queue_links_email(email=email, links=links, reason="You asked for a fresh download link.")
    db.session.commit()
    return len(links)


def revoke_grants(grants: Iterable[DownloadGrant]) -> int:
    """Revoke grants (a refund); in the caller's transaction. Returns how many were still live."""
    now = utcnow()
    revoked = 0
    for grant in grants:
        if grant.revoked_at is None:
            grant.revoked_at = now
            revoked += 1
    return revoked
