"""staff console: sessions, failed sign-in attempts, the audit log; staff names, sign-in codes;
the staff found by role among the subscribers

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None

BigIntPK = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
At = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('console_sessions',
    sa.Column('id', BigIntPK, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', At, nullable=False),
    sa.Column('last_seen_at', At, nullable=False),
    sa.Column('expires_at', At, nullable=False),
    sa.Column('revoked_at', At, nullable=True),
    sa.Column('user_agent', sa.String(length=160), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_console_sessions_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_console_sessions_token_hash'))
    )
    op.create_index('ix_console_sessions_user_id', 'console_sessions', ['user_id'], unique=False)
    op.create_table('sign_in_attempts',
    sa.Column('id', BigIntPK, nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('attempted_at', At, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_attempts'))
    )
    op.create_index('ix_sign_in_attempts_key_attempted_at', 'sign_in_attempts', ['key', 'attempted_at'],
                    unique=False)
    op.create_table('staff_actions',
    sa.Column('id', BigIntPK, nullable=False),
    sa.Column('at', At, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('actor', sa.String(length=160), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=160), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('surface', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_actions_user_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_actions'))
    )
    op.create_index('ix_staff_actions_at', 'staff_actions', ['at'], unique=False)
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('staff_name', sa.String(length=100), nullable=True))
    op.create_index('ix_users_role', 'users', ['role'], unique=False)
    with op.batch_alter_table('staff_invites') as batch:
        batch.add_column(sa.Column('for_user_id', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('name', sa.String(length=100), nullable=True))
        batch.create_foreign_key(op.f('fk_staff_invites_for_user_id_users'), 'users', ['for_user_id'], ['id'],
                                 ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('staff_invites') as batch:
        batch.drop_constraint(op.f('fk_staff_invites_for_user_id_users'), type_='foreignkey')
        batch.drop_column('name')
        batch.drop_column('for_user_id')
    op.drop_index('ix_users_role', table_name='users')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('staff_name')
    op.drop_index('ix_staff_actions_at', table_name='staff_actions')
    op.drop_table('staff_actions')
    op.drop_index('ix_sign_in_attempts_key_attempted_at', table_name='sign_in_attempts')
    op.drop_table('sign_in_attempts')
    op.drop_index('ix_console_sessions_user_id', table_name='console_sessions')
    op.drop_table('console_sessions')
