"""Orders and leads belong to a customer account: order.user_id and lead.user_id

Revision ID: 0008_account_links
Revises: 0007_order_shipping
Create Date: 2026-11-26 23:18:35.574985

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_account_links'
down_revision = '0007_order_shipping'
branch_labels = None
depends_on = None

# On SQLite, adding a foreign key rebuilds the table. `lead` must keep AUTOINCREMENT (unsubscribe links
# are signed lead ids, so an erased lead's id is never handed out again), and the rebuilt table must
# continue the old id sequence rather than restart from the highest id still present.
LEAD_TABLE_KWARGS = {"sqlite_autoincrement": True}


def _lead_sequence():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return None
    return bind.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'lead'")).scalar()


def _restore_lead_sequence(seq):
    if seq is None:
        return
    bind = op.get_bind()
    updated = bind.execute(
        sa.text("UPDATE sqlite_sequence SET seq = :seq WHERE name = 'lead' AND seq < :seq"), {"seq": seq}
    ).rowcount
    exists = bind.execute(sa.text("SELECT 1 FROM sqlite_sequence WHERE name = 'lead'")).scalar()
    if not updated and not exists:
        bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('lead', :seq)"), {"seq": seq})


def upgrade():
    seq = _lead_sequence()
    with op.batch_alter_table('lead', schema=None, table_kwargs=LEAD_TABLE_KWARGS) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_lead_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_lead_user_id_user_account'), 'user_account', ['user_id'], ['id'], ondelete='SET NULL')
    _restore_lead_sequence(seq)

    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_order_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_order_user_id_user_account'), 'user_account', ['user_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_order_user_id_user_account'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_order_user_id'))
        batch_op.drop_column('user_id')

    seq = _lead_sequence()
    with op.batch_alter_table('lead', schema=None, table_kwargs=LEAD_TABLE_KWARGS) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_lead_user_id_user_account'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_lead_user_id'))
        batch_op.drop_column('user_id')
    _restore_lead_sequence(seq)
