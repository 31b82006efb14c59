"""foundation

Revision ID: 0001
Revises: 
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('engagement_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_key', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=True),
    sa.Column('item', sa.String(length=255), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('value', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_events'))
    )
    with op.batch_alter_table('engagement_events', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_events_kind_occurred_at', ['kind', 'occurred_at'], unique=False)
        batch_op.create_index('ix_engagement_events_occurred_at', ['occurred_at'], unique=False)

    op.create_table('processed_updates',
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('update_key', sa.String(length=128), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'update_key', name=op.f('pk_processed_updates'))
    )
    op.create_table('users',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('channel_user_id', sa.String(length=128), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('channel', 'channel_user_id', name=op.f('uq_users_channel'))
    )
    op.create_table('conversation_states',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('step', sa.String(length=64), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_conversation_states_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_conversation_states'))
    )
    op.create_table('staff_invites',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['used_by'], ['users.id'], name=op.f('fk_staff_invites_used_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_invites')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_staff_invites_code_hash'))
    )
    op.create_table('subscriptions',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('topic_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_subscriptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'topic_id', name=op.f('pk_subscriptions'))
    )


def downgrade() -> None:
    op.drop_table('subscriptions')
    op.drop_table('staff_invites')
    op.drop_table('conversation_states')
    op.drop_table('users')
    op.drop_table('processed_updates')
    with op.batch_alter_table('engagement_events', schema=None) as batch_op:
        batch_op.drop_index('ix_engagement_events_occurred_at')
        batch_op.drop_index('ix_engagement_events_kind_occurred_at')

    op.drop_table('engagement_events')
