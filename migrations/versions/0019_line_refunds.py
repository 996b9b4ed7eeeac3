"""Refunds by lines: what was refunded of each order line, whether the shipping was, and the lines a
credit note gave back

Revision ID: 0019_line_refunds
Revises: 0018_billing_state
Create Date: 2026-11-29 19:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_line_refunds"
down_revision = "0018_billing_state"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        for column in ("refunded_quantity", "refunded_cents", "refunded_tax_cents"):
            batch_op.add_column(sa.Column(column, sa.Integer(), server_default="0", nullable=False))
        batch_op.create_check_constraint(
            op.f("ck_order_line_line_refund_within_line"),
            "refunded_quantity >= 0 AND refunded_quantity <= quantity"
            " AND refunded_cents >= 0 AND refunded_cents <= unit_price_cents * quantity - discount_cents"
            " AND refunded_tax_cents >= 0 AND refunded_tax_cents <= tax_cents",
        )
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shipping_refunded", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "credit_note_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_note_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("net_cents", sa.Integer(), nullable=False),
        sa.Column("tax_cents", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "quantity >= 0 AND net_cents >= 0 AND tax_cents >= 0",
            name=op.f("ck_credit_note_line_credit_line_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["credit_note_id"], ["credit_note.id"], name=op.f("fk_credit_note_line_credit_note_id_credit_note")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_line.id"],
            name=op.f("fk_credit_note_line_order_line_id_order_line"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_note_line")),
    )
    with op.batch_alter_table("credit_note_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_note_line_credit_note_id"), ["credit_note_id"], unique=False)


def downgrade():
    with op.batch_alter_table("credit_note_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_note_line_credit_note_id"))
    op.drop_table("credit_note_line")
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.drop_column("shipping_refunded")
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_order_line_line_refund_within_line"), type_="check")
        for column in ("refunded_tax_cents", "refunded_cents", "refunded_quantity"):
            batch_op.drop_column(column)
