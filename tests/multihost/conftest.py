"""Two shop instances for the whole test run: started once (gunicorn costs seconds), always stopped."""

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from config import TestConfig
from shop.extensions import db
from shop.payments.provider import dev_webhook_secret
from tests.conftest import IN_CI, build_app, close_redis_connections
from tests.multihost.harness import (
    Process,
    SharedServices,
    empty_database,
    flask_command,
    instance_env,
    start_email_worker,
    start_instance,
    stop_all,
    wait_for_log,
    wait_until_up,
)
from tests.s3_server import new_bucket, s3_settings


@dataclass
class Cluster:
    """Instances `a` and `b` of one shop, what they share, and `app`: an app in this process on the same
    database and file store, for putting rows in place and reading what the instances did."""

    a: Process
    b: Process
    # An email worker beside each instance, as on two hosts.
    workers: tuple[Process, Process]
    shared: SharedServices
    env: dict[str, str]
    app: Flask
    mail_dir: Path
    log_dir: Path
    admin_email: str
    admin_password: str

    @property
    def instances(self) -> tuple[Process, Process]:
        return (self.a, self.b)

    @property
    def processes(self) -> tuple[Process, ...]:
        return (self.a, self.b, *self.workers)

    @property
    def webhook_secret(self) -> str:
        """What the instances' payment provider verifies webhooks with (derived from SECRET_KEY)."""
        return dev_webhook_secret(self.shared.secret_key)


def _services_or_skip() -> tuple[str, str]:
    database_url = TestConfig.SQLALCHEMY_DATABASE_URI
    redis_url = TestConfig.REDIS_URL
    if database_url.startswith("postgresql") and redis_url:
        return database_url, redis_url
    message = "two shop instances need PostgreSQL and Redis: set TEST_DATABASE_URL and TEST_REDIS_URL"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _delete_keys(redis_url: str, prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"*{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory, s3_endpoint: str) -> Iterator[Cluster]:
    test_database_url, redis_url = _services_or_skip()
    url = sa.make_url(test_database_url)
    database_url = url.set(database=f"{url.database}_hosts").render_as_string(hide_password=False)
    root = tmp_path_factory.mktemp("multihost")
    shared = SharedServices(
        database_url=database_url,
        redis_url=redis_url,
        storage_dir=root / "storage",
        secret_key=secrets.token_hex(32),
        key_prefix=f"shop-multihost-{secrets.token_hex(4)}",
    )
    mail_dir = root / "outbox"
    log_dir = root / "logs"
    log_dir.mkdir()
    env = instance_env(shared, mail_dir=mail_dir)
    # The file store: one S3-compatible bucket for both instances, chosen by environment variables alone.
    storage = s3_settings(s3_endpoint, new_bucket(s3_endpoint))
    env.update({name: str(value) for name, value in storage.items()})
    processes: list[Process] = []
    app: Flask | None = None
    try:
        empty_database(database_url)
        # The instances take seconds to import the shop: they start while the database is migrated
        # (they touch it only when asked a page), the email workers (which poll it at once) after.
        processes += [start_instance("a", env, log_dir), start_instance("b", env, log_dir)]
        flask_command(env, "db", "upgrade")
        processes += [start_email_worker(f"worker-{name}", env, log_dir) for name in ("a", "b")]
        seeded = flask_command(env, "shop", "seed")
        found = re.search(r"admin (\S+@\S+) with password (\S+?)\s", seeded)
        assert found, seeded
        for instance in processes[:2]:
            wait_until_up(instance)
        for worker in processes[2:]:
            wait_for_log(worker, "email worker started")
        app = build_app(
            SQLALCHEMY_DATABASE_URI=database_url,
            GUIDE_STORAGE_DIR=env["GUIDE_STORAGE_DIR"],
            MEDIA_STORAGE_DIR=env["MEDIA_STORAGE_DIR"],
            **storage,
        )
        yield Cluster(
            a=processes[0],
            b=processes[1],
            workers=(processes[2], processes[3]),
            shared=shared,
            env=env,
            app=app,
            mail_dir=mail_dir,
            log_dir=log_dir,
            admin_email=found.group(1),
            admin_password=found.group(2),
        )
    finally:
        stop_all(processes)
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            close_redis_connections(app)
        _delete_keys(redis_url, shared.key_prefix)


@pytest.fixture(autouse=True)
def no_server_errors(cluster: Cluster) -> Iterator[None]:
    """Every test also checks that no instance or email worker logged an error (a 500 logs its traceback)."""
    sizes = {process.name: len(process.log()) for process in cluster.processes}
    yield
    for process in cluster.processes:
        new = process.log()[sizes[process.name] :]
        assert "Traceback" not in new and " ERROR " not in new, f"{process.name} logged:\n{new[-6000:]}"
