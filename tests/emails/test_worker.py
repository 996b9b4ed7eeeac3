"""The email worker: no request sends, a claim is a lease, concurrent workers send each email once."""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from shop.clock import utcnow
from shop.emails import services, worker
from shop.emails.models import EmailStatus, OutgoingEmail
from shop.extensions import db
from tests.accounts.helpers import make_user
from tests.checkout_helpers import event, post_webhook, session_object
from tests.emails import rendezvous_backend, silent_server_backend
from tests.emails.test_services import queue_download_email, received
from tests.order_factory import make_pending_order, make_shop

ROOT = Path(__file__).resolve().parents[2]


def queue_emails(count: int) -> list[int]:
    emails = [queue_download_email(to=f"reader{number}@example.com") for number in range(count)]
    db.session.commit()
    return [email.id for email in emails]


def email_row(email_id: int) -> OutgoingEmail:
    db.session.expire_all()
    return db.session.get(OutgoingEmail, email_id)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[timedelta]]:
    """Move the email service's clock forward: `clock[0] += timedelta(...)`."""
    offset = [timedelta()]
    monkeypatch.setattr(services, "utcnow", lambda: utcnow() + offset[0])
    yield offset


# --- no request touches the mail transport -----------------------------------------------------------


@pytest.fixture
def silent_mail_server_app(make_app) -> Iterator[Flask]:
    silent_server_backend.attempts.clear()
    app = make_app(MAIL_BACKEND="tests.emails.silent_server_backend.EmailBackend")
    with app.app_context():
        yield app
    silent_server_backend.attempts.clear()


def test_a_password_reset_request_never_waits_for_the_mail_server(silent_mail_server_app: Flask) -> None:
    # given an account, and a mail server that accepts and never answers
    make_user("ana@example.com")

    # when its owner asks for a password reset
    response = silent_mail_server_app.test_client().post("/account/reset", data={"email": "ana@example.com"})

    # then the request answers without touching the mail transport; the email waits in the queue
    assert response.status_code == 200
    assert silent_server_backend.attempts == []
    [email] = db.session.scalars(sa.select(OutgoingEmail)).all()
    assert (email.to_address, email.status, email.attempts) == ("ana@example.com", EmailStatus.PENDING, 0)

    # and the worker's step is what reaches the server (and keeps the email for a retry)
    assert services.deliver_pending().attempted == 1
    assert len(silent_server_backend.attempts) == 1
    assert email_row(email.id).status == EmailStatus.PENDING


def test_a_signed_webhook_never_waits_for_the_mail_server(silent_mail_server_app: Flask) -> None:
    # given a pending order, and a mail server that accepts and never answers
    make_shop()
    order = make_pending_order(("HOODIE-M", 1), ("GUIDE-WB", 1))
    paid = event("checkout.session.completed", session_object(order))

    # when the payment provider's signed webhook arrives
    response = post_webhook(silent_mail_server_app.test_client(), paid)

    # then the order is paid and the confirmation queued, and the mail transport was never touched
    assert response.status_code == 200 and response.get_json()["outcome"] == "applied"
    assert silent_server_backend.attempts == []
    [email] = db.session.scalars(sa.select(OutgoingEmail)).all()
    assert email.status == EmailStatus.PENDING and email.attempts == 0
    assert services.deliver_pending().attempted == 1
    assert len(silent_server_backend.attempts) == 1


# --- the claim is a lease ------------------------------------------------------------------------------


def test_an_email_claimed_by_a_worker_that_died_is_sent_after_the_lease(
    app: Flask, clock: list[timedelta]
) -> None:
    # given a worker that claimed an email and died before sending it
    [email_id] = queue_emails(1)
    assert services.claim_next_due().id == email_id

    # then no other worker takes it while the lease runs
    clock[0] = timedelta(seconds=app.config["EMAIL_LEASE_SECONDS"] - 1)
    assert services.claim_next_due() is None

    # when the lease has run out, the next worker sends it, once
    clock[0] = timedelta(seconds=app.config["EMAIL_LEASE_SECONDS"] + 1)
    report = services.deliver_pending()

    assert (report.attempted, report.sent) == (1, 1)
    assert len(received(app)) == 1
    row = email_row(email_id)
    assert row.status == EmailStatus.SENT and row.attempts == 2


def test_a_worker_whose_lease_was_taken_over_does_not_overwrite_the_outcome(
    app: Flask, clock: list[timedelta], caplog: pytest.LogCaptureFixture
) -> None:
    # given a slow worker whose lease ran out, and a second worker that claimed the email again
    [email_id] = queue_emails(1)
    slow = services.claim_next_due()
    clock[0] = timedelta(seconds=app.config["EMAIL_LEASE_SECONDS"] + 1)
    fresh = services.claim_next_due()
    assert (slow.attempt, fresh.attempt) == (1, 2)

    # when the slow worker's send fails, its failure does not reschedule the fresh claim
    services._record_failure(slow, TimeoutError("slow server"))
    row = email_row(email_id)
    assert (row.status, row.attempts, row.last_error) == (EmailStatus.PENDING, 2, None)

    # when the fresh worker sends it, it is sent
    assert services.send_claimed(fresh)
    assert email_row(email_id).status == EmailStatus.SENT

    # and a late success from the slow worker keeps it sent, with a warning about the short lease
    with caplog.at_level(logging.WARNING, logger="shop.emails.services"):
        services._record_sent(slow)
    assert email_row(email_id).status == EmailStatus.SENT
    assert "sent after its claim lapsed" in caplog.text


def test_sqlite_a_claim_lost_to_another_process_moves_on_to_the_next_email(make_app, tmp_path: Path) -> None:
    # given two due emails in a SQLite file, and another process that claims the first one between
    # this worker's SELECT and its UPDATE (SQLite has no FOR UPDATE)
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'race.sqlite3'}")
    with app.app_context():
        first_id, second_id = queue_emails(2)
        engine = db.engine
        other_process = sa.create_engine(engine.url)
        raced = []

        def claim_first_elsewhere(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.startswith("UPDATE outgoing_email") and not raced:
                raced.append(True)
                with other_process.begin() as other:
                    other.execute(
                        sa.update(OutgoingEmail)
                        .where(OutgoingEmail.id == first_id)
                        .values(attempts=1, next_attempt_at=utcnow() + timedelta(minutes=5))
                    )

        sa.event.listen(engine, "before_cursor_execute", claim_first_elsewhere)
        try:
            # when this worker claims
            claim = services.claim_next_due()
        finally:
            sa.event.remove(engine, "before_cursor_execute", claim_first_elsewhere)
            other_process.dispose()

        # then it gets the second email, and the first was claimed once only (by the other process)
        assert raced and claim.id == second_id
        assert email_row(first_id).attempts == 1 and email_row(second_id).attempts == 1


# --- the worker loop -----------------------------------------------------------------------------------


class StopWhenIdle(threading.Event):
    """A stop flag that is raised the first time the worker has nothing to do and would sleep."""

    def __init__(self) -> None:
        super().__init__()
        self.idle_waits = 0

    def wait(self, timeout: float | None = None) -> bool:
        self.idle_waits += 1
        self.set()
        return True


def test_the_worker_sends_everything_due_then_sleeps(app: Flask) -> None:
    count = worker.BATCH_SIZE + 3  # more than one pass
    queue_emails(count)
    stop = StopWhenIdle()

    worker.run(stop)

    assert len(received(app)) == count
    assert stop.idle_waits == 1
    assert db.session.scalar(sa.select(sa.func.count()).where(OutgoingEmail.status == "sent")) == count


def test_the_worker_survives_a_failing_pass(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given a database that fails the first pass (a restart, a dropped connection)
    queue_emails(1)
    real_deliver = services.deliver_pending
    calls = []

    def flaky(**kwargs: Any) -> services.DeliveryReport:
        calls.append(kwargs)
        if len(calls) == 1:
            raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection"))
        return real_deliver(**kwargs)

    monkeypatch.setattr(worker, "deliver_pending", flaky)
    stop = threading.Event()
    waits = []

    def wait(timeout: float | None = None) -> bool:
        waits.append(timeout)
        if len(waits) == 2:  # after the failed pass's pause and one good pass: idle, stop
            stop.set()
        return True

    monkeypatch.setattr(stop, "wait", wait)

    # when the worker runs
    with caplog.at_level(logging.ERROR, logger="shop.emails.worker"):
        worker.run(stop, poll_seconds=0.5)

    # then it logged the failure, paused, and delivered on the next pass
    assert "a delivery pass failed" in caplog.text
    assert waits == [0.5, 0.5]
    assert len(received(app)) == 1


def test_two_workers_on_postgresql_send_every_email_exactly_once(postgres: Flask, make_app) -> None:
    # given 60 queued emails and two workers, each with its own connection
    app = make_app(MAIL_BACKEND="tests.emails.rendezvous_backend.EmailBackend")
    rendezvous_backend.sent.clear()
    rendezvous_backend.both_sending.reset()
    with app.app_context():
        email_ids = queue_emails(60)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with app.app_context():
                worker.run(StopWhenIdle())
        except BaseException as error:  # surfaced below
            errors.append(error)

    # when both run at once until nothing is due
    threads = [threading.Thread(target=work, name=f"worker-{number}") for number in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then every email was sent exactly once, and both workers did part of the work
    assert errors == [] and not any(thread.is_alive() for thread in threads)
    addresses = [address for _, address in rendezvous_backend.sent]
    assert sorted(addresses) == sorted(f"reader{number}@example.com" for number in range(60))
    assert {name for name, _ in rendezvous_backend.sent} == {"worker-1", "worker-2"}
    with app.app_context():
        rows = db.session.execute(sa.select(OutgoingEmail.status, OutgoingEmail.attempts)).all()
    assert len(rows) == len(email_ids) and set(rows) == {(EmailStatus.SENT, 1)}


# --- the command --------------------------------------------------------------------------------------


def test_deliver_emails_sends_what_is_due_once_and_exits(app: Flask) -> None:
    queue_emails(3)

    first = app.test_cli_runner().invoke(args=["shop", "deliver-emails", "--limit", "2"])
    second = app.test_cli_runner().invoke(args=["shop", "deliver-emails"])

    assert first.output == "Sent 2 email(s); 0 could not be sent (see the log).\n"
    assert second.output == "Sent 1 email(s); 0 could not be sent (see the log).\n"
    assert len(received(app)) == 3


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_flask_shop_worker_delivers_and_stops_cleanly_on_a_signal(
    make_app, tmp_path: Path, stop_signal: signal.Signals
) -> None:
    # given a queued email in a SQLite file
    database_url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    app = make_app(SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        queue_emails(1)
    outbox = tmp_path / "outbox"
    env = {
        "PATH": os.environ["PATH"],
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        "MAIL_BACKEND": "shop.emails.outbox_backend.EmailBackend",
        "MAIL_FILE_PATH": str(outbox),
        "GUIDE_STORAGE_DIR": str(tmp_path / "guides"),
        "EMAIL_POLL_SECONDS": "0.1",
    }

    # when the worker command runs until the email is in the outbox, then gets a signal
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "shop", "worker"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not list(outbox.glob("*.eml")) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        process.send_signal(stop_signal)
        _, log = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    # then it delivered the email and stopped on its own, saying so
    assert len(list(outbox.glob("*.eml"))) == 1
    assert process.returncode == 0, log
    assert "email worker started" in log and "email worker stopped" in log
