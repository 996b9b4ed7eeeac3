"""Staff lists at scale: orders by status and date, search by part of an email or order number (trigram indexes on
PostgreSQL), leads by source

Revision ID: 0017_admin_search
Revises: 0016_search
Create Date: 2026-11-29 16:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_admin_search"
down_revision = "0016_search"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_order_status_created", "order", ["status", "created_at", "id"])
    op.create_index(
        "ix_lead_source_created",
        "lead",
        [sa.text("lower(utm_source)"), "created_at", "id"],
        postgresql_include=["utm_source", "confirmed_at", "consented_at", "subscribed", "customer_since"],
    )
    # SQLite has no trigram index: its search reads the (few) orders.
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm is a trusted extension: the database's owner may create it. In the public schema, so the
        # operator class resolves as public.gin_trgm_ops whatever the search_path.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        for column in ("email", "number"):
            op.execute(
                f'CREATE INDEX ix_order_{column}_trgm ON "order" USING gin ({column} public.gin_trgm_ops)'
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for column in ("email", "number"):
            op.execute(f"DROP INDEX ix_order_{column}_trgm")
        # The extension stays: other databases' objects or later revisions may use it.
    op.drop_index("ix_lead_source_created", table_name="lead")
    op.drop_index("ix_order_status_created", table_name="order")
