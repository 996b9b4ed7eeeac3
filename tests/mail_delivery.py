"""What the shop has sent, read the way production sends it: the worker's own delivery step
(`deliver_pending`) runs first, then the in-memory outbox of the test app is read."""

from typing import Any

from flask import Flask

from shop.emails.services import deliver_pending


def deliver_and_read_outbox(app: Flask) -> list[Any]:
    """Deliver every email that is due (as `flask shop worker` would), then return the messages the
    app's mail backend received, oldest first (the live list: later deliveries append to it)."""
    with app.app_context():
        while deliver_pending().attempted:
            pass
    mailman = app.extensions["mailman"]
    if not hasattr(mailman, "outbox"):
        mailman.outbox = []  # what the in-memory backend creates on its first send
    return mailman.outbox
