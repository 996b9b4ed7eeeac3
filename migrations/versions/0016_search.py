"""Full-text search of product names and summaries on PostgreSQL (a GIN expression index); variants by stock, leads by source

Revision ID: 0016_search
Revises: 0015_discount_codes
Create Date: 2026-11-29 15:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_search"
down_revision = "0015_discount_codes"
branch_labels = None
depends_on = None

# The expression of shop.catalog.models.search_document_sql(), as it stood when this revision was written.
SEARCH_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B')"
)


def upgrade():
    op.create_index("ix_product_variant_stock", "product_variant", ["stock_on_hand", "sku"])
    op.create_index("ix_lead_utm_source", "lead", ["utm_source"])
    # SQLite has no full-text index here: its search stays a LIKE over the (small) catalog.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_product_search ON product USING gin (({SEARCH_DOCUMENT}))")


def downgrade():
    op.drop_index("ix_lead_utm_source", table_name="lead")
    op.drop_index("ix_product_variant_stock", table_name="product_variant")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_product_search")
