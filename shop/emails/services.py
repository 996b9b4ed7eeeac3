"""Queue and deliver email. Queuing is part of the caller's transaction (no commit), so an email
exists exactly when the change that caused it was committed. No web request ever sends: the worker
(`flask shop worker`, shop/emails/worker.py) or the one-shot `flask shop deliver-emails` calls
`deliver_pending`, which claims due emails one at a time, sends each outside any transaction, and
records the outcome; a failure only postpones the email (retried with backoff).

A claim is a lease: it moves the email's `next_attempt_at` EMAIL_LEASE_SECONDS ahead and counts the
attempt, so a worker that dies mid-send leaves the email due again once the lease runs out. The attempt
count doubles as the claim's fencing token: an outcome is written only by the worker holding the
latest claim. The one way an email goes out twice: the process dies (or the database is unreachable)
after the SMTP server accepted the message and before the "sent" commit.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_mailman import EmailMultiAlternatives

from shop.clock import utcnow
from shop.emails.models import EmailStatus, OutgoingEmail
from shop.extensions import db, mail

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)


class InvalidRecipientError(ValueError):
    """An address that must never reach a mail header (CR/LF, empty, absurdly long)."""


class MissingUnsubscribeError(ValueError):
    """A marketing email without List-Unsubscribe and List-Unsubscribe-Post (RFC 2369, RFC 8058)."""


UNSUBSCRIBE_HEADERS = frozenset({"List-Unsubscribe", "List-Unsubscribe-Post"})


def _check_address(address: str) -> str:
    address = address.strip()
    if not address or len(address) > 320 or any(ch in address for ch in "\r\n\0,;<>"):
        raise InvalidRecipientError(f"refusing to send to {address!r}")
    return address


def _single_line(text: str) -> str:
    """Header values stay on one line whatever a customer typed into their name."""
    return " ".join(text.split())[:200]


def queue_email(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    headers: dict[str, str] | None = None,
    category: str = "transactional",
) -> OutgoingEmail:
    """Render `emails/<template>.txt` and `.html` now and add the message to the session.

    The caller commits; the worker sends it (`deliver_pending`).
    Marketing email must carry the unsubscribe headers (shop.guides.services.unsubscribe_headers).
    """
    if category == "marketing" and not UNSUBSCRIBE_HEADERS <= set(headers or {}):
        raise MissingUnsubscribeError(f"marketing email {template!r} needs {sorted(UNSUBSCRIBE_HEADERS)}")
    context = {"subject": subject, **context}
    email = OutgoingEmail(
        to_address=_check_address(to),
        subject=_single_line(subject),
        text_body=render_template(f"emails/{template}.txt", **context),
        html_body=render_template(f"emails/{template}.html", **context),
        headers={name: _single_line(value) for name, value in (headers or {}).items()},
        category=category,
        template=template,
        status=EmailStatus.PENDING,
        next_attempt_at=utcnow(),
    )
    db.session.add(email)
    return email


def delete_emails_to(address: str) -> int:
    """Forget every email to an address, queued or sent (the queue is a delivery log, and its bodies hold
    names and addresses); in the caller's transaction. For erasing a person. Returns how many went."""
    result = db.session.execute(
        sa.delete(OutgoingEmail).where(sa.func.lower(OutgoingEmail.to_address) == address.strip().lower())
    )
    return result.rowcount or 0


@dataclass(frozen=True)
class ClaimedEmail:
    """An email this worker holds the lease on: what to send, and the attempt number that fences it."""

    id: int
    attempt: int
    to_address: str
    subject: str
    text_body: str
    html_body: str
    headers: dict[str, str]
    template: str


@dataclass(frozen=True)
class DeliveryReport:
    attempted: int = 0
    sent: int = 0

    @property
    def failed(self) -> int:
        return self.attempted - self.sent


def _message(email: ClaimedEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text_body,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[email.to_address],
        headers=dict(email.headers),
    )
    message.attach_alternative(email.html_body, "text/html")
    return message


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2**attempts), MAX_BACKOFF)


def _is_due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(OutgoingEmail.status == EmailStatus.PENDING, OutgoingEmail.next_attempt_at <= now)


def claim_next_due() -> ClaimedEmail | None:
    """Take the lease on the email due longest, or None when nothing is due. Commits.

    PostgreSQL: FOR UPDATE SKIP LOCKED, so concurrent workers each take a different row without waiting.
    SQLite has no row locks (the clause is left out) but runs one writer at a time, so the conditional
    UPDATE below is the claim: it matches only while the row is still due, and a worker that loses the
    race to another process moves on to the next row.
    """
    lease = timedelta(seconds=current_app.config["EMAIL_LEASE_SECONDS"])
    while True:
        now = utcnow()
        email_id = db.session.scalar(
            sa.select(OutgoingEmail.id)
            .where(_is_due(now))
            .order_by(OutgoingEmail.next_attempt_at, OutgoingEmail.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if email_id is None:
            db.session.rollback()
            return None
        row = db.session.execute(
            sa.update(OutgoingEmail)
            .where(OutgoingEmail.id == email_id, _is_due(now))
            .values(attempts=OutgoingEmail.attempts + 1, next_attempt_at=now + lease)
            .returning(
                OutgoingEmail.attempts,
                OutgoingEmail.to_address,
                OutgoingEmail.subject,
                OutgoingEmail.text_body,
                OutgoingEmail.html_body,
                OutgoingEmail.headers,
                OutgoingEmail.template,
            )
        ).one_or_none()
        db.session.commit()
        if row is not None:
            return ClaimedEmail(
                id=email_id,
                attempt=row.attempts,
                to_address=row.to_address,
                subject=row.subject,
                text_body=row.text_body,
                html_body=row.html_body,
                headers=row.headers or {},
                template=row.template,
            )


def _still_claimed(claim: ClaimedEmail) -> sa.ColumnElement[bool]:
    return sa.and_(
        OutgoingEmail.id == claim.id,
        OutgoingEmail.status == EmailStatus.PENDING,
        OutgoingEmail.attempts == claim.attempt,
    )


def _record_sent(claim: ClaimedEmail) -> None:
    values = {"status": EmailStatus.SENT, "sent_at": utcnow(), "last_error": None}
    result = db.session.execute(sa.update(OutgoingEmail).where(_still_claimed(claim)).values(**values))
    if result.rowcount == 0:
        # The lease ran out mid-send and another worker claimed the email (or it was erased meanwhile):
        # it may go out twice. It did go out, so it is marked sent all the same.
        log.warning(
            "email %s was sent after its claim lapsed (EMAIL_LEASE_SECONDS too short for this mail "
            "server?); another worker may have sent it too",
            claim.id,
        )
        db.session.execute(
            sa.update(OutgoingEmail)
            .where(OutgoingEmail.id == claim.id, OutgoingEmail.status != EmailStatus.SENT)
            .values(**values)
        )
    db.session.commit()
    log.info("sent email %s (%s, attempt %s)", claim.id, claim.template, claim.attempt)


def _record_failure(claim: ClaimedEmail, error: Exception) -> None:
    log.warning("email %s to %s failed (attempt %s): %s", claim.id, claim.to_address, claim.attempt, error)
    values: dict[str, object] = {"last_error": str(error)[:500]}
    if claim.attempt >= current_app.config["EMAIL_MAX_ATTEMPTS"]:
        values["status"] = EmailStatus.FAILED
        log.error("email %s gave up after %s attempts", claim.id, claim.attempt)
    else:
        values["next_attempt_at"] = utcnow() + _backoff(claim.attempt)
    # A worker whose lease was taken over leaves the outcome to the newer claim.
    db.session.execute(sa.update(OutgoingEmail).where(_still_claimed(claim)).values(**values))
    db.session.commit()


def send_claimed(claim: ClaimedEmail) -> bool:
    """Hand one claimed email to the mail server (no transaction is open meanwhile) and record how it
    went. True when it was sent."""
    try:
        mail.get_connection().send_messages([_message(claim)])
    except Exception as error:  # any transport failure: keep the email for a retry
        _record_failure(claim, error)
        return False
    _record_sent(claim)
    return True


def deliver_pending(limit: int = 100, stop: threading.Event | None = None) -> DeliveryReport:
    """Send up to `limit` due emails, one claim at a time: the worker's step, run once by
    `flask shop deliver-emails`. Stops early when `stop` is set (between emails, never mid-send)."""
    attempted = sent = 0
    while attempted < limit and not (stop and stop.is_set()):
        claim = claim_next_due()
        if claim is None:
            break
        attempted += 1
        if send_claimed(claim):
            sent += 1
    return DeliveryReport(attempted=attempted, sent=sent)
