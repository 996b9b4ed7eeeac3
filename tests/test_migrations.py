"""Alembic revisions build the same schema as the models, on SQLite and on PostgreSQL."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from config import TestConfig
from shop import create_app
from shop.extensions import db


def run_admin_sql(url: str, statement: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(statement))
    finally:
        engine.dispose()


def built_on(dialect: str):
    """Alembic's include_object: leaves out the models' indexes made for another database only
    (`Index(...).ddl_if(dialect=...)`, such as the orders' trigram indexes on PostgreSQL)."""

    def include(obj, name, type_, reflected, compare_to) -> bool:
        only_on = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
        return type_ != "index" or only_on in (None, dialect)

    return include


@pytest.fixture
def migration_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on an empty database: a fresh SQLite file, or a fresh schema on PostgreSQL."""
    url = TestConfig.SQLALCHEMY_DATABASE_URI
    schema = None
    engine_options: dict = {}
    if url.startswith("postgresql"):
        schema = f"migration_{uuid.uuid4().hex[:8]}"
        run_admin_sql(url, f"CREATE SCHEMA {schema}")
        engine_options = {"connect_args": {"options": f"-csearch_path={schema}"}}
    else:
        url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    config = type(
        "MigrationConfig",
        (TestConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "GUIDE_STORAGE_DIR": str(tmp_path),
        },
    )
    app = create_app(config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if schema:
        run_admin_sql(TestConfig.SQLALCHEMY_DATABASE_URI, f"DROP SCHEMA {schema} CASCADE")


# The full-text index exists on PostgreSQL only (shop/catalog/models.py); SQLite cannot reflect an
# expression index (nor the leads' index on lower(utm_source)), so autogenerate says it skips comparing
# them there.
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index 'ix_product_search'",
    "ignore:autogenerate skipping metadata-specified expression-based index 'ix_lead_source_created'",
    "ignore:Skipped unsupported reflection of expression-based index ix_lead_source_created",
)
def test_upgrade_builds_the_models_schema(migration_app: Flask) -> None:
    upgrade()

    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": built_on(connection.dialect.name)},
        )
        differences = compare_metadata(context, db.metadata)
        revision_row = connection.execute(
            sa.text("SELECT revision FROM catalog_revision WHERE id = 1")
        ).scalar()
    assert differences == []
    assert revision_row == 1


def test_downgrade_to_base_and_up_again(migration_app: Flask) -> None:
    upgrade()
    downgrade(revision="base")
    with db.engine.connect() as connection:
        remaining = set(sa.inspect(connection).get_table_names()) - {"alembic_version"}
    assert remaining == set()

    upgrade()
    with db.engine.connect() as connection:
        assert "product_variant" in sa.inspect(connection).get_table_names()


def _insert_lead(connection: sa.Connection, email: str) -> int:
    connection.execute(
        sa.text(
            "INSERT INTO lead (email, first_name, subscribed, signup_form, created_at, updated_at) "
            "VALUES (:email, '', false, 'guide', '2026-01-01', '2026-01-01')"
        ),
        {"email": email},
    )
    return connection.execute(sa.text("SELECT id FROM lead WHERE email = :email"), {"email": email}).scalar()


def test_adding_the_account_links_never_reuses_an_erased_leads_id(migration_app: Flask) -> None:
    # given leads 1-3 before the account links, the newest one erased (unsubscribe links sign lead ids)
    upgrade(revision="0006_audit_and_stock_log")
    with db.engine.begin() as connection:
        ids = [_insert_lead(connection, f"reader{n}@example.com") for n in range(3)]
        connection.execute(sa.text("DELETE FROM lead WHERE id = :id"), {"id": ids[-1]})

    # when the revision that rebuilds the lead table on SQLite runs
    upgrade(revision="0008_account_links")

    # then the next lead gets a new id, not the erased one's
    with db.engine.begin() as connection:
        new_id = _insert_lead(connection, "new@example.com")
    assert new_id > ids[-1]
