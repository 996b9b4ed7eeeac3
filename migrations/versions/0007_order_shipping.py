"""Order shipping: carrier, tracking number and when staff marked it shipped

Revision ID: 0007_order_shipping
Revises: 0006_audit_and_stock_log
Create Date: 2026-11-26 23:24:10.300131

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_order_shipping'
down_revision = '0006_audit_and_stock_log'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shipping_carrier', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('tracking_number', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('shipped_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_column('shipped_at')
        batch_op.drop_column('tracking_number')
        batch_op.drop_column('shipping_carrier')
