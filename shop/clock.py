"""The shop's notion of now: timezone-aware UTC, in one place so tests can reason about it."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
