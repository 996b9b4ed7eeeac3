"""A digital-only order keeps its buyer's US state beside the billing country: it decides the sales tax

Revision ID: 0018_billing_state
Revises: 0017_admin_search
Create Date: 2026-11-29 19:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018_billing_state"
down_revision = "0017_admin_search"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("billing_state", sa.String(length=2), nullable=True))


def downgrade():
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.drop_column("billing_state")
