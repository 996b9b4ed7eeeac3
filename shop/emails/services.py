"""Queue and deliver email. Queuing is part of the caller's transaction (no commit), so an email
exists exactly when the change that caused it was committed; delivery happens after the commit
and a failure only postpones it (retried with backoff by `flask shop deliver-emails`).
"""

import logging
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_request_context, render_template
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

    The caller commits. After the request (or via `deliver_pending`) the message is sent.
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
    if has_request_context():
        g.setdefault("queued_emails", []).append(email)
    return email


def _message(email: OutgoingEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text_body,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[email.to_address],
        headers=dict(email.headers or {}),
    )
    message.attach_alternative(email.html_body, "text/html")
    return message


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2**attempts), MAX_BACKOFF)


def deliver(email_ids: list[int]) -> int:
    """Try to send these pending emails now. Returns how many were sent. Commits per email."""
    sent = 0
    max_attempts = current_app.config["EMAIL_MAX_ATTEMPTS"]
    for email_id in email_ids:
        # Lock the row so two workers retrying at once don't both send it.
        email = db.session.scalar(
            sa.select(OutgoingEmail)
            .where(OutgoingEmail.id == email_id, OutgoingEmail.status == EmailStatus.PENDING)
            .with_for_update(skip_locked=True)
        )
        if email is None:
            db.session.rollback()
            continue
        email.attempts += 1
        try:
            mail.get_connection().send_messages([_message(email)])
        except Exception as error:  # any transport failure: log, keep for a retry
            log.warning(
                "email %s to %s failed (attempt %s): %s", email.id, email.to_address, email.attempts, error
            )
            email.last_error = str(error)[:500]
            if email.attempts >= max_attempts:
                email.status = EmailStatus.FAILED
                log.error("email %s gave up after %s attempts", email.id, email.attempts)
            else:
                email.next_attempt_at = utcnow() + _backoff(email.attempts)
        else:
            email.status = EmailStatus.SENT
            email.sent_at = utcnow()
            email.last_error = None
            sent += 1
        db.session.commit()
    return sent


def deliver_pending(limit: int = 100) -> int:
    """Send emails whose next attempt is due (the retry loop run by cron or a worker)."""
    due_ids = list(
        db.session.scalars(
            sa.select(OutgoingEmail.id)
            .where(OutgoingEmail.status == EmailStatus.PENDING, OutgoingEmail.next_attempt_at <= utcnow())
            .order_by(OutgoingEmail.next_attempt_at, OutgoingEmail.id)
            .limit(limit)
        )
    )
    db.session.rollback()
    return deliver(due_ids)


def deliver_queued_in_request() -> None:
    """After a request: send what it queued, if it was committed. Never raises."""
    queued = g.pop("queued_emails", [])
    if not queued:
        return
    try:
        ids = [email.id for email in queued if email.id is not None]
        db.session.rollback()  # drop anything uncommitted before sending
        committed = list(db.session.scalars(sa.select(OutgoingEmail.id).where(OutgoingEmail.id.in_(ids))))
        deliver(committed)
    except Exception:
        log.exception("delivering queued email failed; it stays queued for retry")
        db.session.rollback()
