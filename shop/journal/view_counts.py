"""Article page views, counted without a database write per view.

Each process adds views up in memory and writes them in one UPDATE per article at most every
JOURNAL_VIEW_FLUSH_SECONDS (or once JOURNAL_VIEW_FLUSH_VIEWS are waiting), from whichever request is
served when the time comes. A process that dies loses at most that window's views: the count is a
measure of interest, not money. Bots that say so, staff previews and HEAD requests are not counted.
"""

import logging
import threading
import time
from collections import Counter

import sqlalchemy as sa
from flask import Flask, current_app

from shop.database import committing
from shop.extensions import db
from shop.journal.models import Article

log = logging.getLogger(__name__)

BOT_MARKERS = ("bot", "crawl", "spider", "slurp", "preview", "monitor", "curl", "wget", "python-requests")


def looks_like_bot(user_agent: str) -> bool:
    agent = user_agent.lower()
    return not agent or any(marker in agent for marker in BOT_MARKERS)


class ViewCounter:
    """Per-process pending counts; thread-safe."""

    def __init__(self) -> None:
        self._pending: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()

    def add(self, article_id: int, *, flush_seconds: float, flush_views: int) -> bool:
        """Count one view; True when the pending views are due to be written."""
        with self._lock:
            self._pending[article_id] += 1
            waiting = sum(self._pending.values())
            return waiting >= flush_views or time.monotonic() - self._last_flush >= flush_seconds

    def take(self) -> dict[int, int]:
        with self._lock:
            pending = dict(self._pending)
            self._pending.clear()
            self._last_flush = time.monotonic()
            return pending

    def put_back(self, counts: dict[int, int]) -> None:
        with self._lock:
            self._pending.update(counts)


def _counter() -> ViewCounter:
    return current_app.extensions["journal_view_counter"]


def add_views(counts: dict[int, int]) -> None:
    """Add counted views to the articles' totals: one UPDATE per article, one commit."""
    with committing():
        for article_id, views in sorted(counts.items()):
            db.session.execute(
                sa.update(Article)
                .where(Article.id == article_id)
                # updated_at names itself so its onupdate default leaves it be: a view is no edit.
                .values(view_count=Article.view_count + views, updated_at=Article.updated_at)
                .execution_options(synchronize_session=False)
            )


def record_view(article_id: int) -> None:
    config = current_app.config
    due = _counter().add(
        article_id,
        flush_seconds=config["JOURNAL_VIEW_FLUSH_SECONDS"],
        flush_views=config["JOURNAL_VIEW_FLUSH_VIEWS"],
    )
    if due:
        flush_views()


def flush_views() -> None:
    """Write this process's pending views now. A failure keeps them for the next attempt."""
    counts = _counter().take()
    if not counts:
        return
    try:
        add_views(counts)
    except sa.exc.SQLAlchemyError:
        log.warning("article views not written; kept for the next attempt", exc_info=True)
        _counter().put_back(counts)


def init_app(app: Flask) -> None:
    app.extensions["journal_view_counter"] = ViewCounter()
