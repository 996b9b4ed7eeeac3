"""Orders, order lines and timeline, applied payment events; download grants tied to their order

Revision ID: 0003_orders_and_payments
Revises: 0002_downloads_and_email
Create Date: 2026-11-26 21:12:45.595337

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_orders_and_payments'
down_revision = '0002_downloads_and_email'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('checkout_key', sa.String(length=64), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('subtotal_cents', sa.Integer(), nullable=False),
    sa.Column('merchandise_subtotal_cents', sa.Integer(), nullable=False),
    sa.Column('shipping_cents', sa.Integer(), nullable=False),
    sa.Column('tax_cents', sa.Integer(), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('refunded_cents', sa.Integer(), nullable=False),
    sa.Column('requires_shipping', sa.Boolean(), nullable=False),
    sa.Column('ship_name', sa.String(length=200), nullable=True),
    sa.Column('ship_line1', sa.String(length=200), nullable=True),
    sa.Column('ship_line2', sa.String(length=200), nullable=True),
    sa.Column('ship_city', sa.String(length=120), nullable=True),
    sa.Column('ship_region', sa.String(length=120), nullable=True),
    sa.Column('ship_postal_code', sa.String(length=20), nullable=True),
    sa.Column('ship_country', sa.String(length=2), nullable=True),
    sa.Column('reservation_expires_at', sa.DateTime(), nullable=False),
    sa.Column('reservation_released_at', sa.DateTime(), nullable=True),
    sa.Column('payment_provider', sa.String(length=16), nullable=True),
    sa.Column('payment_session_id', sa.String(length=255), nullable=True),
    sa.Column('payment_url', sa.String(length=2000), nullable=True),
    sa.Column('payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('needs_attention', sa.Boolean(), nullable=False),
    sa.Column('attention_reason', sa.String(length=500), nullable=True),
    sa.Column('cart_token', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.Column('fulfilled_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending_payment', 'paid', 'fulfilled', 'expired', 'cancelled', 'payment_failed', 'refunded', 'partially_refunded')", name=op.f('ck_order_status_known')),
    sa.CheckConstraint('refunded_cents >= 0 AND refunded_cents <= total_cents', name=op.f('ck_order_refund_within_total')),
    sa.CheckConstraint('subtotal_cents >= 0 AND shipping_cents >= 0 AND tax_cents >= 0 AND total_cents >= 0', name=op.f('ck_order_amounts_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order')),
    sa.UniqueConstraint('checkout_key', name=op.f('uq_order_checkout_key')),
    sa.UniqueConstraint('number', name=op.f('uq_order_number')),
    sa.UniqueConstraint('payment_session_id', name=op.f('uq_order_payment_session_id'))
    )
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_needs_attention'), ['needs_attention'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_payment_intent_id'), ['payment_intent_id'], unique=False)
        batch_op.create_index('ix_order_reservation_sweep', ['status', 'reservation_expires_at'], unique=False)

    op.create_table('order_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_order_event_order_id_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_event'))
    )
    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_event_order_id'), ['order_id'], unique=False)

    op.create_table('payment_event_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('event_type', sa.String(length=80), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('processed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_payment_event_record_order_id_order'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_event_record')),
    sa.UniqueConstraint('event_id', name=op.f('uq_payment_event_record_event_id'))
    )
    with op.batch_alter_table('payment_event_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_event_record_order_id'), ['order_id'], unique=False)

    op.create_table('order_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('is_digital', sa.Boolean(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_order_line_quantity_positive')),
    sa.CheckConstraint('unit_price_cents >= 0', name=op.f('ck_order_line_price_not_negative')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_order_line_order_id_order'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_order_line_product_id_product'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['variant_id'], ['product_variant.id'], name=op.f('fk_order_line_variant_id_product_variant'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_line'))
    )
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_line_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_line_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_line_variant_id'), ['variant_id'], unique=False)

    with op.batch_alter_table('download_grant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_download_grant_order_id'), ['order_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_download_grant_order_id_order'), 'order', ['order_id'], ['id'], ondelete='CASCADE')



def downgrade():
    with op.batch_alter_table('download_grant', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_download_grant_order_id_order'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_download_grant_order_id'))
        batch_op.drop_column('order_id')

    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_line_variant_id'))
        batch_op.drop_index(batch_op.f('ix_order_line_product_id'))
        batch_op.drop_index(batch_op.f('ix_order_line_order_id'))

    op.drop_table('order_line')
    with op.batch_alter_table('payment_event_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_event_record_order_id'))

    op.drop_table('payment_event_record')
    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_event_order_id'))

    op.drop_table('order_event')
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_index('ix_order_reservation_sweep')
        batch_op.drop_index(batch_op.f('ix_order_payment_intent_id'))
        batch_op.drop_index(batch_op.f('ix_order_needs_attention'))
        batch_op.drop_index(batch_op.f('ix_order_email'))
        batch_op.drop_index(batch_op.f('ix_order_created_at'))

    op.drop_table('order')
