"""feedback: tickets with yearly tracking codes, notices to citizens, web chat inbox

Revision ID: 0005
Revises: 0008
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0007'  # chained: 0001 → 0006 → 0008 → 0007 → 0005
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feedback_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_feedback_counters'))
    )
    op.create_table('web_inbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('session', sa.String(length=64), nullable=False),
    sa.Column('replies', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_inbox'))
    )
    op.create_index('ix_web_inbox_session', 'web_inbox', ['session'])

    op.create_table('feedback_tickets',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('draft_key', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('user_key', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.String(length=64), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('contact_phone', sa.String(length=20), nullable=True),
    sa.Column('contact_consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('assignee_label', sa.String(length=64), nullable=True),
    sa.Column('forwarded_to', sa.String(length=64), nullable=True),
    sa.Column('desk_chat', sa.String(length=32), nullable=True),
    sa.Column('desk_message', sa.String(length=32), nullable=True),
    sa.Column('desk_extra', sa.JSON(), nullable=False),
    sa.Column('desk_claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('forwarded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_feedback_tickets_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_feedback_tickets_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_tickets')),
    sa.UniqueConstraint('code', name=op.f('uq_feedback_tickets_code')),
    sa.UniqueConstraint('draft_key', name=op.f('uq_feedback_tickets_draft_key'))
    )
    op.create_index('ix_feedback_tickets_user_id_created_at', 'feedback_tickets', ['user_id', 'created_at'])

    op.create_table('feedback_notices',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('author_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_feedback_notices_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['feedback_tickets.id'], name=op.f('fk_feedback_notices_ticket_id_feedback_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_notices'))
    )
    op.create_index('ix_feedback_notices_delivered_at_failed_at', 'feedback_notices', ['delivered_at', 'failed_at'])
    op.create_index('ix_feedback_notices_ticket_id', 'feedback_notices', ['ticket_id'])



def downgrade() -> None:
    op.drop_index('ix_feedback_notices_ticket_id', table_name='feedback_notices')
    op.drop_index('ix_feedback_notices_delivered_at_failed_at', table_name='feedback_notices')
    op.drop_table('feedback_notices')
    op.drop_index('ix_feedback_tickets_user_id_created_at', table_name='feedback_tickets')
    op.drop_table('feedback_tickets')
    op.drop_index('ix_web_inbox_session', table_name='web_inbox')
    op.drop_table('web_inbox')
    op.drop_table('feedback_counters')
