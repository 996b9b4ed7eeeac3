"""A mail backend whose server is down: every send raises."""

from typing import Any

from flask_mailman.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, messages: list[Any]) -> int:
        raise ConnectionRefusedError("SMTP server unreachable")
