"""zalo: the OA token pair, each Zalo user's follow state and last interaction, and
article broadcasts

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('zalo_broadcasts',
    sa.Column('campaign_key', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('article_id', sa.String(length=128), nullable=True),
    sa.Column('message_id', sa.String(length=128), nullable=True),
    sa.Column('error', sa.String(length=255), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('campaign_key', name=op.f('pk_zalo_broadcasts'))
    )
    op.create_table('zalo_tokens',
    sa.Column('app_id', sa.String(length=64), nullable=False),
    sa.Column('access_token', sa.Text(), nullable=False),
    sa.Column('refresh_token', sa.Text(), nullable=False),
    sa.Column('access_expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('refresh_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seed_hash', sa.String(length=64), nullable=True),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('app_id', name=op.f('pk_zalo_tokens'))
    )
    op.create_table('zalo_contacts',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('following', sa.Boolean(), nullable=True),
    sa.Column('followed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unfollowed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_interaction_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_zalo_contacts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_zalo_contacts'))
    )
    with op.batch_alter_table('zalo_contacts', schema=None) as batch_op:
        batch_op.create_index('ix_zalo_contacts_last_interaction_at', ['last_interaction_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('zalo_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_zalo_contacts_last_interaction_at')

    op.drop_table('zalo_contacts')
    op.drop_table('zalo_tokens')
    op.drop_table('zalo_broadcasts')
