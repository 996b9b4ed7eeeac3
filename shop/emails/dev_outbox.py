"""Reading the development outbox: the .eml files written by outbox_backend."""

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from markupsafe import Markup, escape

FILE_NAME = re.compile(r"^[\w.-]+\.eml$")
URL = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True)
class OutboxEmail:
    name: str
    subject: str
    to: str
    date: str
    headers: list[tuple[str, str]]
    text: str
    html: str | None

    @property
    def text_with_links(self) -> Markup:
        """The text part, escaped, with its URLs made clickable."""
        escaped = str(escape(self.text))
        return Markup(URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped))


def _parse(path: Path) -> OutboxEmail:
    message: EmailMessage = BytesParser(policy=policy.default).parsebytes(path.read_bytes())  # type: ignore[assignment]
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    return OutboxEmail(
        name=path.name,
        subject=str(message.get("Subject", "")),
        to=str(message.get("To", "")),
        date=str(message.get("Date", "")),
        headers=[(key, str(value)) for key, value in message.items()],
        text=text_part.get_content() if text_part else "",
        html=html_part.get_content() if html_part else None,
    )


def list_emails(folder: Path, limit: int = 200) -> list[OutboxEmail]:
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.eml"), reverse=True)[:limit]
    return [_parse(path) for path in paths]


def read_email(folder: Path, name: str) -> OutboxEmail | None:
    if not FILE_NAME.match(name):
        return None
    path = folder / name
    return _parse(path) if path.is_file() else None
