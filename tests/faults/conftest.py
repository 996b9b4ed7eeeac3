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


@pytest.fixture
def db_proxy(postgres: Flask) -> Iterator[FaultProxy]:
    url = sa.make_url(postgres.config["SQLALCHEMY_DATABASE_URI"])
    with FaultProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        yield proxy


@pytest.fixture
def db_faulty_app(postgres: Flask, db_proxy: FaultProxy, tmp_path: Path) -> Iterator[Flask]:
    """An app whose PostgreSQL connections go through `db_proxy` (Redis, if any, is reached directly)."""
    url = sa.make_url(postgres.config["SQLALCHEMY_DATABASE_URI"]).set(host="127.0.0.1", port=db_proxy.port)
    app = _proxied_app(tmp_path, SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False))
    yield app
    db_proxy.restore()
    _dispose(app)


@pytest.fixture
def redis_target(app: Flask) -> tuple[str, int, int]:
    """The test Redis (host, port, db): TEST_REDIS_URL. Locally without it the test skips; CI has it."""
    url = app.config.get("REDIS_URL")
    if not url:
        if IN_CI:
            pytest.fail("CI must run the Redis fault tests with TEST_REDIS_URL set")
        pytest.skip("needs Redis: set TEST_REDIS_URL")
    parsed = sa.make_url(url.replace("redis://", "redis+x://", 1))
    return parsed.host or "127.0.0.1", parsed.port or 6379, int(parsed.database or 0)


@pytest.fixture
def redis_proxy(redis_target: tuple[str, int, int]) -> Iterator[FaultProxy]:
    host, port, _ = redis_target
    with FaultProxy((host, port)) as proxy:
        yield proxy


@pytest.fixture
def redis_faulty_app(
    postgres: Flask, redis_target: tuple[str, int, int], redis_proxy: FaultProxy, tmp_path: Path
) -> Iterator[Flask]:
    """An app whose Redis (page cache and rate limits) is reached through `redis_proxy`."""
    redis_url = f"redis://127.0.0.1:{redis_proxy.port}/{redis_target[2]}"
    app = _proxied_app(
        tmp_path,
        REDIS_URL=redis_url,
        RATELIMIT_STORAGE_URI=redis_url,
        REDIS_RETRY_SECONDS=0.2,
    )
    yield app
    redis_proxy.restore()
    _dispose(app)
