"""SQLite file databases run in WAL mode with a busy timeout, so a reader never makes a writer fail."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from shop.extensions import db
from shop.sqlite_connections import is_file_database


def file_app(make_app, tmp_path: Path, **settings: object) -> Flask:
    return make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'shop.sqlite3'}", **settings)


def test_a_file_database_runs_in_wal_mode_with_the_configured_busy_timeout(make_app, tmp_path: Path) -> None:
    app = file_app(make_app, tmp_path, SQLITE_BUSY_TIMEOUT_SECONDS=7)

    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7_000


def test_a_reader_in_the_middle_of_a_transaction_does_not_block_a_writer(make_app, tmp_path: Path) -> None:
    # given a connection holding a read transaction open (a slow page, the worker mid-query)
    app = file_app(make_app, tmp_path, SQLITE_BUSY_TIMEOUT_SECONDS=1)
    with app.app_context():
        engine = db.engine
    with engine.connect() as reader, engine.connect() as writer:
        reader.exec_driver_sql("BEGIN")
        assert reader.exec_driver_sql("SELECT count(*) FROM outgoing_email").scalar() == 0

        # when another connection writes and commits
        writer.exec_driver_sql("BEGIN IMMEDIATE")
        writer.exec_driver_sql("INSERT INTO catalog_revision (id, revision) VALUES (2, 1)")
        writer.exec_driver_sql("COMMIT")  # without WAL: "database is locked" once the timeout runs out

        # then the reader still sees its snapshot, and the write is there for everyone after
        assert reader.exec_driver_sql("SELECT count(*) FROM catalog_revision").scalar() == 1
        reader.exec_driver_sql("COMMIT")
        assert reader.exec_driver_sql("SELECT count(*) FROM catalog_revision").scalar() == 2


@pytest.mark.parametrize(
    ("url", "on_disk"),
    [
        ("sqlite:////srv/shop.sqlite3", True),
        ("sqlite:///instance/shop.sqlite3", True),
        ("sqlite://", False),
        ("sqlite:///:memory:", False),
        ("sqlite:///file::memory:?cache=shared", False),
        ("sqlite:///file:shop?mode=memory&uri=true", False),
        ("postgresql+psycopg://postgres@127.0.0.1/shop", False),
    ],
)
def test_only_sqlite_files_get_the_pragmas(url: str, on_disk: bool) -> None:
    assert is_file_database(sa.engine.make_url(url)) is on_disk
