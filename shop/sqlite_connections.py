"""SQLite: the shop's SQL functions on every connection (shop/sql_dates.py); for file databases also WAL
(readers never block the writer) and a busy timeout."""

from typing import Any

import sqlalchemy as sa
from flask import Flask

from shop.extensions import db
from shop.sql_dates import sqlite_local_date


def is_file_database(url: sa.engine.URL) -> bool:
    """A SQLite database on disk (an in-memory one has no journal to change and no other connection)."""
    database = url.database or ""
    return (
        url.get_backend_name() == "sqlite"
        and database not in ("", ":memory:")
        and not database.startswith("file::memory:")
        and url.query.get("mode") != "memory"
    )


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.url.get_backend_name() == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def add_functions(dbapi_connection: Any, connection_record: Any) -> None:
            dbapi_connection.create_function("shop_local_date", 2, sqlite_local_date, deterministic=True)

    if not is_file_database(engine.url):
        return
    busy_timeout_ms = int(app.config["SQLITE_BUSY_TIMEOUT_SECONDS"] * 1000)

    @sa.event.listens_for(engine, "connect")
    def configure(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        # WAL is stored in the file, so this only changes anything on the first connection to a new file.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()
