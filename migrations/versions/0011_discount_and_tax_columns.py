"""Orders carry a discount (per order and per line) and tax per line, and a billing country

Revision ID: 0011_discount_and_tax_columns
Revises: 0010_article_comments
Create Date: 2026-11-29 11:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_discount_and_tax_columns'
down_revision = '0010_article_comments'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discount_cents', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('discount_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('billing_country', sa.String(length=2), nullable=True))
        batch_op.create_index(batch_op.f('ix_order_discount_code'), ['discount_code'], unique=False)
        batch_op.create_check_constraint(
            op.f('ck_order_discount_within_subtotal'), 'discount_cents >= 0 AND discount_cents <= subtotal_cents'
        )

    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discount_cents', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('tax_cents', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('tax_rate_bp', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_order_line_line_discount_and_tax_in_range'),
            'discount_cents >= 0 AND discount_cents <= unit_price_cents * quantity AND tax_cents >= 0',
        )


def downgrade():
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_order_line_line_discount_and_tax_in_range'), type_='check')
        batch_op.drop_column('tax_rate_bp')
        batch_op.drop_column('tax_cents')
        batch_op.drop_column('discount_cents')

    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_order_discount_within_subtotal'), type_='check')
        batch_op.drop_index(batch_op.f('ix_order_discount_code'))
        batch_op.drop_column('billing_country')
        batch_op.drop_column('discount_code')
        batch_op.drop_column('discount_cents')
