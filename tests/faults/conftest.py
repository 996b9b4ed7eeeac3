"""Fault fixtures: an app whose PostgreSQL or Redis is reached through a FaultProxy the test can cut.

The real servers keep running (other test processes use them); only this app's line to them breaks.
The proxied app shares the test's database: the `app` fixture's own connection, which no fault
touches, sets rows up and reads what the proxied app left behind.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from config import TestConfig
from shop.extensions import db
from tests.conftest import IN_CI, build_app, close_redis_connections
from tests.fault_proxy import FaultProxy


def _proxied_app(tmp_path: Path, **overrides: Any) -> Flask:
    overrides.setdefault("GUIDE_STORAGE_DIR", str(tmp_path / "guides"))
    overrides.setdefault("MEDIA_STORAGE_DIR", str(tmp_path / "media"))
    return build_app(**overrides)


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    close_redis_connections(app)


class Line:
    """A proxy and the apps that talk through it. It outlives the test's other apps: the shared
    fixtures' teardown (emptying tables, resetting the rate limits in whichever storage the limiter was
    last given) may still go through it, so it is restored, and the apps closed, only after them."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.proxy = FaultProxy(target)
        self.apps: list[Flask] = []

    def close(self) -> None:
        self.proxy.restore()
        for app in self.apps:
            _dispose(app)
        self.proxy.close()


def _test_database() -> sa.engine.URL:
    return sa.make_url(TestConfig.SQLALCHEMY_DATABASE_URI)


def _test_redis() -> tuple[str, int, int] | None:
    if not TestConfig.REDIS_URL:
        return None
    parsed = sa.make_url(TestConfig.REDIS_URL.replace("redis://", "redis+x://", 1))
    return parsed.host or "127.0.0.1", parsed.port or 6379, int(parsed.database or 0)


@pytest.fixture
def db_line() -> Iterator[Line]:
    url = _test_database()
    line = Line((url.host or "127.0.0.1", url.port or 5432))
    yield line
    line.close()


@pytest.fixture
def db_proxy(db_line: Line) -> FaultProxy:
    return db_line.proxy


@pytest.fixture
def db_faulty_app(db_line: Line, postgres: Flask, tmp_path: Path) -> Iterator[Flask]:
    """An app whose PostgreSQL connections go through `db_proxy` (Redis, if any, is reached directly)."""
    url = _test_database().set(host="127.0.0.1", port=db_line.proxy.port)
    app = _proxied_app(tmp_path, SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False))
    db_line.apps.append(app)
    yield app
    db_line.proxy.restore()


@pytest.fixture
def redis_target() -> tuple[str, int, int]:
    """The test Redis (host, port, db): TEST_REDIS_URL. Locally without it the test skips; CI has it."""
    target = _test_redis()
    if target is None:
        if IN_CI:
            pytest.fail("CI must run the Redis fault tests with TEST_REDIS_URL set")
        pytest.skip("needs Redis: set TEST_REDIS_URL")
    return target


@pytest.fixture
def redis_line(redis_target: tuple[str, int, int]) -> Iterator[Line]:
    line = Line(redis_target[:2])
    yield line
    line.close()


@pytest.fixture
def redis_proxy(redis_line: Line) -> FaultProxy:
    return redis_line.proxy


@pytest.fixture
def redis_faulty_app(
    redis_line: Line, redis_target: tuple[str, int, int], postgres: Flask, tmp_path: Path
) -> Iterator[Flask]:
    """An app whose Redis (page cache and rate limits) is reached through `redis_proxy`. Built after the
    test's other apps, so the rate limiter (one object per process) counts in its storage."""
    redis_url = f"redis://127.0.0.1:{redis_line.proxy.port}/{redis_target[2]}"
    app = _proxied_app(
        tmp_path,
        REDIS_URL=redis_url,
        RATELIMIT_STORAGE_URI=redis_url,
        REDIS_RETRY_SECONDS=0.2,
    )
    redis_line.apps.append(app)
    yield app
    redis_line.proxy.restore()
