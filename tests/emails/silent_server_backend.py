"""A mail backend standing in for an SMTP server that accepts and never answers: every send is
recorded, then fails the way smtplib does when MAIL_TIMEOUT runs out."""

from typing import Any

from flask_mailman.backends.base import BaseEmailBackend

# Every message handed to this backend, in order (tests clear it first).
attempts: list[Any] = []


class EmailBackend(BaseEmailBackend):
    def send_messages(self, messages: list[Any]) -> int:
        attempts.extend(messages)
        raise TimeoutError("timed out waiting for the SMTP server's greeting")
