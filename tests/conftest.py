"""Test fixtures: an app per test on the test database (SQLite in memory, or TEST_DATABASE_URL)."""

import os
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


def build_app(**overrides: Any) -> Flask:
    config = type("TestRunConfig", (TestConfig,), overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
    return app


def reset_database(app: Flask) -> None:
    """Empty every table (keeping the schema) and put back the catalog revision row."""
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as connection:
            if is_postgres(app):
                names = ", ".join(f'"{table.name}"' for table in tables)
                connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(table.delete())
            connection.execute(sa.insert(CatalogRevision).values(id=1, revision=1))
        page_cache.clear()
        limiter.reset()


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
        reset_database(app)
        with app.app_context():
            db.engine.dispose()


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
