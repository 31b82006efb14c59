"""webhook inbox

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('webhook_inbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_inbox'))
    )
    with op.batch_alter_table('webhook_inbox', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_inbox_channel_received_at', ['channel', 'received_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('webhook_inbox', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_inbox_channel_received_at')

    op.drop_table('webhook_inbox')
