"""The mail server away (docs/rules.md#email, rule 4): orders complete while it refuses connections, the
queue keeps every email through an hour of retries, and once it is back each goes out exactly once. The
worker's retries span about four hours before it gives up on an email."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from shop.clock import utcnow
from shop.emails import services
from shop.emails.models import EmailStatus, OutgoingEmail
from shop.extensions import db
from shop.orders.models import Order
from tests.checkout_helpers import add, dev_pay, place
from tests.fault_proxy import FaultProxy
from tests.order_factory import make_shop
from tests.smtp_sink import SmtpSink

STEP = timedelta(minutes=5)


@pytest.fixture
def mail_server() -> Iterator[tuple[SmtpSink, FaultProxy]]:
    """A local SMTP server, reached through a proxy the test can cut."""
    with SmtpSink() as sink, FaultProxy(("127.0.0.1", sink.port)) as proxy:
        yield sink, proxy


@pytest.fixture
def smtp_app(make_app, mail_server: tuple[SmtpSink, FaultProxy]) -> Iterator[Flask]:  # noqa: ANN001
    _, proxy = mail_server
    app = make_app(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=proxy.port, MAIL_TIMEOUT=2)
    with app.app_context():
        make_shop()
        yield app


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[timedelta]:
    """The email service's clock, moved on by the test: `clock[0] += timedelta(...)`."""
    offset = [timedelta()]
    monkeypatch.setattr(services, "utcnow", lambda: utcnow() + offset[0])
    return offset


def buy(app: Flask, sku: str, email: str) -> None:
    client = app.test_client()
    add(client, sku, 1)
    placed = place(client, email=email)
    assert placed.status_code == 303
    paid = dev_pay(client, placed.headers["Location"])
    assert paid.status_code == 303
    assert client.get(paid.headers["Location"]).status_code == 200


def emails() -> list[OutgoingEmail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutgoingEmail).order_by(OutgoingEmail.id)))


def run_worker_for(clock: list[timedelta], duration: timedelta) -> None:
    """Move the clock on by `duration` in five-minute steps, running the worker's step after each."""
    for _ in range(int(duration / STEP)):
        clock[0] += STEP
        services.deliver_pending()


def test_orders_complete_with_the_mail_server_down_and_every_email_goes_out_once_when_it_is_back(
    smtp_app: Flask, mail_server: tuple[SmtpSink, FaultProxy], clock: list[timedelta]
) -> None:
    sink, proxy = mail_server
    # given a mail server refusing every connection
    proxy.cut()

    # when three shoppers buy and pay
    for number, sku in enumerate(["TEE-M", "HOODIE-M", "GUIDE-WB"]):
        buy(smtp_app, sku, f"shopper{number}@example.com")

    # then their orders are paid and their emails wait in the queue
    db.session.expire_all()
    # (a guide-only order is fulfilled at once: its download link is in the email)
    statuses = [order.status for order in db.session.scalars(sa.select(Order).order_by(Order.id))]
    assert statuses == ["paid", "paid", "fulfilled"]
    queued = emails()
    assert len(queued) >= 3
    services.deliver_pending()

    # when the mail server stays down for an hour while the worker keeps trying
    run_worker_for(clock, timedelta(hours=1))

    # then nothing was sent, nothing given up, every email tried again and again and still waiting
    assert sink.messages == []
    assert {email.status for email in emails()} == {EmailStatus.PENDING}
    assert all(email.attempts >= 5 and email.last_error for email in emails())

    # when it is back and the worker runs on for three hours
    proxy.restore()
    run_worker_for(clock, timedelta(hours=3))

    # then every email was delivered, each exactly once, none lost
    assert {email.status for email in emails()} == {EmailStatus.SENT}
    delivered = sorted((message["To"], message["Subject"]) for message in sink.messages)
    assert delivered == sorted((email.to_address, email.subject) for email in queued)
    message_ids = [message["Message-ID"] for message in sink.messages]
    assert len(set(message_ids)) == len(message_ids) == len(queued)


def test_the_worker_keeps_retrying_for_about_four_hours_before_giving_up_on_an_email(
    smtp_app: Flask, mail_server: tuple[SmtpSink, FaultProxy], clock: list[timedelta]
) -> None:
    sink, proxy = mail_server
    # given an order's email and a mail server that stays down
    proxy.cut()
    buy(smtp_app, "TEE-M", "ana@example.com")
    services.deliver_pending()

    # when four hours pass with the worker trying
    run_worker_for(clock, timedelta(hours=4))

    # then the email is still waiting: an outage of a few hours loses nothing
    [email] = emails()
    assert (email.status, email.attempts) == (EmailStatus.PENDING, smtp_app.config["EMAIL_MAX_ATTEMPTS"] - 1)

    # and a later attempt, the eighth (after 2 + 4 + … + 128 = 254 minutes of backoff, and this test's
    # five-minute steps), gives up on it
    run_worker_for(clock, timedelta(minutes=50))
    [email] = emails()
    assert (email.status, email.attempts) == (EmailStatus.FAILED, smtp_app.config["EMAIL_MAX_ATTEMPTS"])
    assert sink.messages == []
