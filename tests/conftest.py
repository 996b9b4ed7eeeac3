"""Test fixtures: an app per test on the test database (SQLite in memory, or TEST_DATABASE_URL; one
database per pytest-xdist worker)."""

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient

from config import TestConfig
from shop import create_app
from shop.catalog.models import CatalogRevision
from shop.extensions import db, limiter, page_cache

# The shared fixtures (the small shop, orders, logged-in clients) live in their own module.
pytest_plugins = ["tests.fixtures"]

IN_CI = os.environ.get("CI", "").lower() == "true"


def is_postgres(app: Flask) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


class IsolatedClient(FlaskClient):
    """Runs every request in its own app context (own `g`, own database session), as in production,
    even while the test itself holds an app context for setting up rows."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        token = _cv_app.set(None)  # type: ignore[arg-type]
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


def create_worker_database() -> None:
    """Under pytest-xdist, create this worker's PostgreSQL database (see TestConfig) if it is missing."""
    url = sa.make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
    if not os.environ.get("PYTEST_XDIST_WORKER") or not url.drivername.startswith("postgresql"):
        return
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            )
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    finally:
        engine.dispose()


create_worker_database()

# Tables this test process has inserted rows into since the last reset: only those need emptying.
_written_tables: set[str] = set()
_INSERT = re.compile(r'^\s*INSERT\s+INTO\s+"?(\w+)"?', re.IGNORECASE)


def _note_written_table(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    match = _INSERT.match(statement)
    if match:
        _written_tables.add(match.group(1))


def build_app(**overrides: Any) -> Flask:
    config = type("TestRunConfig", (TestConfig,), overrides)
    app = create_app(config)
    # The limiter is one object whose storage each new app replaces: keep this app's to close with it.
    app.extensions["test_limiter_storage"] = limiter.storage
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
        sa.event.listen(db.engine, "before_cursor_execute", _note_written_table)
    return app


def close_redis_connections(app: Flask) -> None:
    """Close what the app opened to Redis (the page cache, the rate limits) now, rather than leave the
    sockets for the garbage collector to find in some later test."""
    cache = app.extensions["page_cache"]
    if hasattr(cache, "close"):
        cache.close()
    storage = app.extensions["test_limiter_storage"]
    if hasattr(storage, "storage") and hasattr(storage.storage, "close"):
        storage.storage.close()


def is_in_memory(app: Flask) -> bool:
    """In-memory SQLite: the database lives in the app's one connection and goes with it."""
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    return url.drivername.startswith("sqlite") and url.database in (None, "", ":memory:")


def reset_database(app: Flask, *, only_written: bool = False) -> None:
    """Empty the tables (keeping the schema) and put back the catalog revision row; with `only_written`,
    just the tables that apps made by `build_app` have inserted into since the last reset."""
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        if only_written:
            written = _written_tables | {CatalogRevision.__tablename__}
            tables = [table for table in tables if table.name in written]
            _written_tables.clear()
        with db.engine.begin() as connection:
            if tables and is_postgres(app):
                names = ", ".join(f'"{table.name}"' for table in tables)
                connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(table.delete())
            connection.execute(sa.insert(CatalogRevision).values(id=1, revision=1))
        page_cache.clear()
        limiter.reset()


@pytest.fixture(scope="session", autouse=True)
def empty_database() -> None:
    """Start from empty tables: PostgreSQL may still hold rows from an interrupted run. After that each
    test empties only the tables it wrote to."""
    app = build_app()
    if not is_in_memory(app):
        reset_database(app)
    with app.app_context():
        db.engine.dispose()
    close_redis_connections(app)


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build extra apps (CSRF on, other knobs) that share this test's database and storage."""
    built: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        overrides.setdefault("GUIDE_STORAGE_DIR", str(tmp_path / "guides"))
        overrides.setdefault("MEDIA_STORAGE_DIR", str(tmp_path / "media"))
        app = build_app(**overrides)
        built.append(app)
        return app

    yield factory
    for app in built:
        if is_in_memory(app):  # the database goes with the engine
            with app.app_context():
                page_cache.clear()
                limiter.reset()
        else:
            reset_database(app, only_written=True)
        with app.app_context():
            db.engine.dispose()
        close_redis_connections(app)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def csrf_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(WTF_CSRF_ENABLED=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that need PostgreSQL carry the `postgres` marker, so a SQLite-only pass can deselect them."""
    for item in items:
        if "postgres" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def postgres(app: Flask) -> Flask:
    """For tests that only mean something on PostgreSQL: skip locally, fail in CI."""
    if not is_postgres(app):
        if IN_CI:
            pytest.fail("CI must run this test on PostgreSQL: set TEST_DATABASE_URL")
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL")
    return app


@contextmanager
def count_queries(app: Flask) -> Iterator[list[str]]:
    """Collect the SQL statements the app runs inside the block."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
