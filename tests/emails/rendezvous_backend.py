"""A mail backend for two concurrent workers: records which thread sent what, and holds each worker's
first send until the other worker's first send arrives, so both are mid-send (each holding a claim)
at the same time."""

import threading
from typing import Any

from flask_mailman.backends.base import BaseEmailBackend

sent: list[tuple[str, str]] = []  # (thread name, recipient), in order
both_sending = threading.Barrier(2, timeout=10)
_lock = threading.Lock()


class EmailBackend(BaseEmailBackend):
    def send_messages(self, messages: list[Any]) -> int:
        thread = threading.current_thread().name
        with _lock:
            first_send_of_this_worker = all(name != thread for name, _ in sent)
            sent.extend((thread, message.to[0]) for message in messages)
        if first_send_of_this_worker:
            both_sending.wait()
        return len(messages)
