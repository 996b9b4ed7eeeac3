"""The email worker: delivers queued email outside any web request, until asked to stop.

`flask shop worker` runs `run` in its main thread with SIGTERM and SIGINT wired to `stop`; the browser
tests run it in a thread beside their live server. Any number of workers may run against PostgreSQL
(each claim skips rows another worker holds); on SQLite run one.
"""

import logging
import signal
import threading
from types import FrameType

from flask import current_app

from shop.emails.services import deliver_pending
from shop.extensions import db

log = logging.getLogger(__name__)

# Emails per pass: between passes the worker checks `stop` and a failing database gets a pause.
BATCH_SIZE = 20


def run(stop: threading.Event, *, poll_seconds: float | None = None) -> None:
    """Deliver due emails; sleep `poll_seconds` (EMAIL_POLL_SECONDS) when none is due. Needs an app
    context. A pass that fails (database down) is logged and retried after the same pause."""
    poll_seconds = poll_seconds if poll_seconds is not None else current_app.config["EMAIL_POLL_SECONDS"]
    log.info(
        "email worker started: polling every %s s, lease %s s, mail backend %s",
        poll_seconds,
        current_app.config["EMAIL_LEASE_SECONDS"],
        current_app.config["MAIL_BACKEND"],
    )
    while not stop.is_set():
        try:
            report = deliver_pending(limit=BATCH_SIZE, stop=stop)
        except Exception:
            log.exception("email worker: a delivery pass failed; trying again in %s s", poll_seconds)
            db.session.rollback()
            stop.wait(poll_seconds)
            continue
        if report.attempted == 0:
            stop.wait(poll_seconds)
    db.session.remove()
    log.info("email worker stopped")


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM and SIGINT set `stop`: the worker finishes the email in hand and exits. A second signal
    exits at once (a claimed email becomes due again when its lease runs out). A signal the parent
    process told us to ignore (SIGINT for a background job of a shell) stays ignored."""

    def request_stop(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise SystemExit(128 + signum)
        log.info("email worker: %s received, stopping after the current email", signal.Signals(signum).name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, request_stop)
