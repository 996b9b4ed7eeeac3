"""Email is queued with the change that causes it and delivered by the worker's step; failures are retried."""

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from shop.clock import utcnow
from shop.emails import services
from shop.emails.models import EmailStatus, OutgoingEmail
from shop.extensions import db
from tests.mail_delivery import deliver_and_read_outbox


def outbox(app: Flask) -> list:
    return deliver_and_read_outbox(app)


def queue_download_email(to: str = "ana@example.com", subject: str = "Your download link") -> OutgoingEmail:
    from shop.downloads.services import DownloadLink

    link = DownloadLink(
        product_name="Workbook", url="http://localhost/downloads/x", expires_at=utcnow(), max_downloads=5
    )
    return services.queue_email(
        to=to, subject=subject, template="download_links", context={"links": [link], "reason": "Thanks."}
    )


def received(app: Flask) -> list:
    """What the mail backend got so far, without delivering anything."""
    return getattr(app.extensions["mailman"], "outbox", [])


def test_queued_email_is_delivered_with_text_and_html_parts(app: Flask) -> None:
    email = queue_download_email()
    db.session.commit()

    report = services.deliver_pending()

    assert (report.attempted, report.sent) == (1, 1)
    [message] = received(app)
    assert message.to == ["ana@example.com"]
    assert message.subject == "Your download link"
    assert "http://localhost/downloads/x" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert "Download the PDF" in message.alternatives[0][0]
    db.session.refresh(email)
    assert email.status == EmailStatus.SENT and email.sent_at is not None and email.attempts == 1


def test_an_email_is_sent_once_even_if_delivery_runs_twice(app: Flask) -> None:
    queue_download_email()
    db.session.commit()

    services.deliver_pending()
    second = services.deliver_pending()

    assert second.attempted == 0
    assert len(received(app)) == 1


def test_a_failed_send_is_kept_and_retried_later(make_app) -> None:
    # given a mail server that is down
    app = make_app(MAIL_BACKEND="tests.emails.broken_backend.EmailBackend")
    with app.app_context():
        email = queue_download_email()
        db.session.commit()

        # when delivery is attempted
        report = services.deliver_pending()

        # then nothing breaks, the email waits with a backoff
        db.session.refresh(email)
        assert (report.attempted, report.sent) == (1, 0)
        assert email.status == EmailStatus.PENDING
        assert email.attempts == 1
        assert "unreachable" in email.last_error
        assert email.next_attempt_at > utcnow() + timedelta(seconds=90)
        assert services.deliver_pending().attempted == 0  # not due again before the backoff


def test_the_retry_loop_sends_due_emails_oldest_first(app: Flask) -> None:
    second = queue_download_email(to="second@example.com")
    first = queue_download_email(to="first@example.com")
    later = queue_download_email(to="later@example.com")
    db.session.flush()
    first.next_attempt_at = utcnow() - timedelta(minutes=5)
    later.next_attempt_at = utcnow() + timedelta(hours=1)
    db.session.commit()

    report = services.deliver_pending()

    assert report.sent == 2
    assert [m.to for m in received(app)] == [["first@example.com"], ["second@example.com"]]
    db.session.refresh(second)
    db.session.refresh(later)
    assert second.status == EmailStatus.SENT and later.status == EmailStatus.PENDING


def test_delivery_stops_at_the_limit(app: Flask) -> None:
    for number in range(3):
        queue_download_email(to=f"reader{number}@example.com")
    db.session.commit()

    assert services.deliver_pending(limit=2).sent == 2
    assert services.deliver_pending(limit=2).sent == 1


def test_delivery_gives_up_after_the_last_attempt(make_app) -> None:
    app = make_app(MAIL_BACKEND="tests.emails.broken_backend.EmailBackend", EMAIL_MAX_ATTEMPTS=2)
    with app.app_context():
        email = queue_download_email()
        db.session.commit()

        for _ in range(3):
            services.deliver_pending()
            db.session.execute(sa.update(OutgoingEmail).values(next_attempt_at=utcnow()))  # due again
            db.session.commit()

        db.session.refresh(email)
        assert email.status == EmailStatus.FAILED
        assert email.attempts == 2


def test_an_uncommitted_email_is_never_sent(app: Flask) -> None:
    queue_download_email()
    db.session.flush()
    db.session.rollback()  # the change that caused it failed

    services.deliver_pending()

    assert received(app) == []
    assert db.session.scalar(sa.select(sa.func.count(OutgoingEmail.id))) == 0


@pytest.mark.parametrize(
    "address",
    ["ana@example.com\r\nBcc: everyone@example.com", "ana@example.com\nX: y", "", "a,b@example.com"],
)
def test_header_injection_in_the_address_is_refused(app: Flask, address: str) -> None:
    with pytest.raises(services.InvalidRecipientError):
        queue_download_email(to=address)


def test_subjects_are_kept_on_one_line(app: Flask) -> None:
    queue_download_email(subject="Hello\r\nBcc: everyone@example.com")
    db.session.commit()

    assert outbox(app)[0].subject == "Hello Bcc: everyone@example.com"
    assert "\n" not in outbox(app)[0].message()["Subject"]


def test_the_development_outbox_writes_eml_files_and_shows_them(make_app, tmp_path: Path) -> None:
    # given the development backend writing into a folder
    folder = tmp_path / "outbox"
    app = make_app(MAIL_BACKEND="shop.emails.outbox_backend.EmailBackend", MAIL_FILE_PATH=str(folder))
    with app.app_context():
        queue_download_email()
        db.session.commit()
        services.deliver_pending()

    # when someone opens the outbox
    client = app.test_client()
    listing = client.get("/dev/outbox").get_data(as_text=True)
    [eml] = list(folder.glob("*.eml"))
    detail = client.get(f"/dev/outbox/{eml.name}").get_data(as_text=True)
    html = client.get(f"/dev/outbox/{eml.name}/html")

    # then the email is listed and readable, with clickable links
    assert "Your download link" in listing
    assert '<a href="http://localhost/downloads/x">' in detail
    assert html.status_code == 200 and "Download the PDF" in html.get_data(as_text=True)
    assert "script-src" not in html.headers["Content-Security-Policy"]
    assert client.get("/dev/outbox/..%2Fsecret.eml").status_code == 404


def test_the_outbox_does_not_exist_in_production(make_app) -> None:
    app = make_app(APP_ENV="production", SECRET_KEY="x", ALLOW_DEV_PAYMENTS=True)

    assert app.test_client().get("/dev/outbox").status_code == 404
