"""Insights: indexes the date-range reports and the dashboard read through.

Revision ID: 0014_insights
Revises: 0013_tax_zones
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_insights"
down_revision = '0013_tax_zones'
branch_labels = None
depends_on = None

TO_SHIP = sa.text("status IN ('paid', 'partially_refunded') AND requires_shipping IS TRUE AND shipped_at IS NULL")


def upgrade() -> None:
    # On PostgreSQL the figures the reports add up ride along in the index (INCLUDE), so a range of
    # orders, sign-ups or order lines is read from the index alone (an index-only scan).
    op.create_index(
        "ix_order_paid_at_reports",
        "order",
        ["paid_at"],
        postgresql_include=[
            "status",
            "total_cents",
            "refunded_cents",
            "requires_shipping",
            "shipping_cents",
            "email",
        ],
    )
    op.create_index("ix_order_to_ship", "order", ["paid_at"], postgresql_where=TO_SHIP, sqlite_where=TO_SHIP)
    op.drop_index("ix_lead_created_at", table_name="lead")
    op.create_index(
        "ix_lead_created_at", "lead", ["created_at"], postgresql_include=["confirmed_at", "customer_since"]
    )
    op.create_index(
        "ix_lead_email_reports",
        "lead",
        ["email"],
        postgresql_include=["id", "created_at", "utm_source", "utm_campaign"],
    )
    op.drop_index("ix_order_line_order_id", table_name="order_line")
    op.create_index(
        "ix_order_line_order_id",
        "order_line",
        ["order_id"],
        postgresql_include=["product_id", "is_digital", "quantity", "unit_price_cents"],
    )


def downgrade() -> None:
    op.drop_index("ix_order_line_order_id", table_name="order_line")
    op.create_index("ix_order_line_order_id", "order_line", ["order_id"])
    op.drop_index("ix_lead_email_reports", table_name="lead")
    op.drop_index("ix_lead_created_at", table_name="lead")
    op.create_index("ix_lead_created_at", "lead", ["created_at"])
    op.drop_index("ix_order_to_ship", table_name="order")
    op.drop_index("ix_order_paid_at_reports", table_name="order")
