"""Unit of work: `with committing():` commits the session when the block ends and rolls back when it raises.

Services write through it instead of hand-written commit/rollback pairs, so a failed write never leaves a
half-flushed session behind for the next request. `commit_with_one_retry` is for writes that can lose a race
on a unique key (a double-submitted form): the loser rolls back and runs the write once more, and then sees
the winner's row.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError

from shop.extensions import db

T = TypeVar("T")
log = logging.getLogger(__name__)


@contextmanager
def committing() -> Iterator[None]:
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def commit_with_one_retry(write: Callable[[], T]) -> T:
    """Run `write` and commit; after an IntegrityError, roll back and run it once more."""
    try:
        with committing():
            return write()
    except IntegrityError:
        pass
    with committing():
        return write()


# --- the database being away ---------------------------------------------------------------------------


def configure_engine(app: Flask) -> None:
    """Engine options that depend on the database: before `db.init_app`. A PostgreSQL connection that
    cannot be made within DATABASE_CONNECT_TIMEOUT seconds fails (the request answers 503) instead of
    waiting for the operating system to give up; and one whose server vanished mid-conversation (a network
    cut: what was sent is never acknowledged) fails after as long (libpq's tcp_user_timeout) instead of
    TCP's default of about 15 minutes, so no request or health probe stays stuck on it."""
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("pool_pre_ping", True)
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("connect_timeout", app.config["DATABASE_CONNECT_TIMEOUT"])
    connect_args.setdefault("tcp_user_timeout", app.config["DATABASE_CONNECT_TIMEOUT"] * 1000)
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def close_sessions_quietly(app: Flask) -> None:
    """After `db.init_app`: end each request's session before Flask-SQLAlchemy's own teardown does, and
    when the rollback that ends it fails because the database went away after the response was made,
    log it instead of raising (the connection is dropped; the response already went out as it was)."""

    @app.teardown_appcontext
    def remove_session(exception: BaseException | None) -> None:
        try:
            db.session.remove()
        except sa.exc.SQLAlchemyError as error:
            if not is_database_unavailable(error):
                raise
            log.warning("database went away before the request's session ended: %s", error_summary(error))
            db.session.registry.clear()


def is_database_unavailable(error: BaseException) -> bool:
    """An error that says the database cannot be reached or cannot answer now (down, restarting, the
    network cut, every pooled connection busy, SQLite locked): worth a 503 and a retry, not a 500.
    SQLite's OperationalError also covers mistakes in SQL, so only its "locked" counts."""
    if isinstance(error, sa.exc.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(error, sa.exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError)):
        return False
    if type(error.orig).__module__.startswith("sqlite3"):
        return "database is locked" in str(error.orig)
    return True


_probes: dict[int, threading.Thread] = {}
_probes_lock = threading.Lock()


def database_answers(timeout_seconds: float) -> bool:
    """Whether the database answers `SELECT 1` within `timeout_seconds` (the health check).

    The query runs in a thread of its own and this waits at most `timeout_seconds` for it, so a
    database that stops answering mid-conversation (a cut network: no error, just silence) cannot
    hang the caller. While an earlier probe is still waiting, the answer is no at once: at most one
    probe per engine waits on a silent database."""
    engine = db.engine
    key = id(engine)
    answered = threading.Event()

    def probe() -> None:
        try:
            with engine.connect() as connection:
                if engine.dialect.name == "postgresql":
                    # A database that is up but stuck (locks, overload) fails the check too.
                    connection.execute(
                        sa.text(f"SET LOCAL statement_timeout = {int(timeout_seconds * 1000)}")
                    )
                connection.execute(sa.text("SELECT 1"))
            answered.set()
        except Exception as error:  # any failure to reach the database is a "no"
            log.warning("health check: database unreachable: %s", error_summary(error))

    with _probes_lock:
        running = _probes.get(key)
        if running is not None and running.is_alive():
            log.warning("health check: the previous database check is still waiting for an answer")
            return False
        thread = threading.Thread(target=probe, name="database-health-probe", daemon=True)
        _probes[key] = thread
        thread.start()
    thread.join(timeout_seconds)
    return answered.is_set()


def error_summary(error: BaseException) -> str:
    """The first line of a database error's message (a log line, not the SQL and its parameters)."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
