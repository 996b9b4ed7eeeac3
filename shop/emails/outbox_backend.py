"""Development mail backend: each message becomes an .eml file in MAIL_FILE_PATH (the dev outbox)."""

import secrets
from pathlib import Path
from typing import Any

from flask_mailman.backends.base import BaseEmailBackend

from shop.clock import utcnow


class EmailBackend(BaseEmailBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.folder = Path(self.mailman.file_path)

    def send_messages(self, messages: list[Any]) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in messages:
            name = f"{utcnow():%Y%m%d-%H%M%S-%f}-{secrets.token_hex(3)}.eml"
            (self.folder / name).write_bytes(message.message().as_bytes())
        return len(messages)
