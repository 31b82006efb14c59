"""web chat: the conversation history (the inbox becomes part of it) and Web Push subscriptions

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0015'  # chained in merge order: … → 0012 → 0015 → 0010
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('session', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('replies', sa.JSON(), nullable=True),
    sa.Column('outside_turn', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_history'))
    )
    op.create_index('ix_web_history_session_id', 'web_history', ['session', 'id'])
    op.create_index('ix_web_history_created_at', 'web_history', ['created_at'])
    # Messages waiting in the old inbox become messages sent outside a turn.
    op.execute("INSERT INTO web_history (session, role, text, replies, outside_turn, created_at) "
               "SELECT session, 'bot', NULL, replies, true, created_at FROM web_inbox ORDER BY id")
    op.drop_index('ix_web_inbox_session', table_name='web_inbox')
    op.drop_table('web_inbox')
    op.create_table('web_push_subscriptions',
    sa.Column('session', sa.String(length=64), nullable=False),
    sa.Column('endpoint', sa.String(length=1024), nullable=False),
    sa.Column('p256dh', sa.String(length=128), nullable=False),
    sa.Column('auth', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('session', name=op.f('pk_web_push_subscriptions'))
    )


def downgrade() -> None:
    op.drop_table('web_push_subscriptions')
    op.create_table('web_inbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('session', sa.String(length=64), nullable=False),
    sa.Column('replies', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_inbox'))
    )
    op.create_index('ix_web_inbox_session', 'web_inbox', ['session'])
    op.execute("INSERT INTO web_inbox (session, replies, created_at) "
               "SELECT session, replies, created_at FROM web_history WHERE outside_turn ORDER BY id")
    op.drop_index('ix_web_history_created_at', table_name='web_history')
    op.drop_index('ix_web_history_session_id', table_name='web_history')
    op.drop_table('web_history')
