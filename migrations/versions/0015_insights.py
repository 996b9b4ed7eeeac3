"""Insights: the index the date-range reports read paid orders through.

Revision ID: 0015_insights
Revises: 0010_article_comments
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_insights"
down_revision = "0010_article_comments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # On PostgreSQL the figures the reports add up ride along in the index, so a day's orders are read
    # from the index alone (an index-only scan), never from the table.
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


def downgrade() -> None:
    op.drop_index("ix_order_paid_at_reports", table_name="order")
