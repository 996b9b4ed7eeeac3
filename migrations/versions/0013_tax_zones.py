"""Tax by destination: a product's tax type, whether the provider reckoned an order's tax, and the tax
part of its refunds

Revision ID: 0013_tax_zones
Revises: 0012_invoices
Create Date: 2026-11-29 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_tax_zones'
down_revision = '0012_invoices'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tax_type', sa.String(length=24), nullable=True))

    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('tax_from_provider', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column('refunded_tax_cents', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_order_refunded_tax_within_tax'), 'refunded_tax_cents >= 0 AND refunded_tax_cents <= tax_cents'
        )


def downgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_order_refunded_tax_within_tax'), type_='check')
        batch_op.drop_column('refunded_tax_cents')
        batch_op.drop_column('tax_from_provider')

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('tax_type')
