"""Invoices and credit notes, numbered from per-year counters

Revision ID: 0012_invoices
Revises: 0011_discount_and_tax_columns
Create Date: 2026-11-29 11:34:39

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_invoices'
down_revision = '0011_discount_and_tax_columns'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_counter',
    sa.Column('series', sa.String(length=8), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('series', 'year', name=op.f('pk_document_counter'))
    )
    op.create_table('invoice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_invoice_order_id_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice')),
    sa.UniqueConstraint('number', name=op.f('uq_invoice_number')),
    sa.UniqueConstraint('order_id', name=op.f('uq_invoice_order_id')),
    sa.UniqueConstraint('year', 'sequence', name=op.f('uq_invoice_year'))
    )
    op.create_table('credit_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('tax_cents', sa.Integer(), server_default='0', nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_credit_note_amount_positive')),
    sa.CheckConstraint('tax_cents >= 0 AND tax_cents <= amount_cents', name=op.f('ck_credit_note_tax_within_amount')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_credit_note_invoice_id_invoice')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_credit_note_order_id_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_note')),
    sa.UniqueConstraint('number', name=op.f('uq_credit_note_number')),
    sa.UniqueConstraint('year', 'sequence', name=op.f('uq_credit_note_year'))
    )
    with op.batch_alter_table('credit_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_note_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_note_order_id'), ['order_id'], unique=False)



def downgrade():
    with op.batch_alter_table('credit_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_note_order_id'))
        batch_op.drop_index(batch_op.f('ix_credit_note_invoice_id'))

    op.drop_table('credit_note')
    op.drop_table('invoice')
    op.drop_table('document_counter')
