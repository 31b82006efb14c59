"""contest: registrations, window overrides, quiz attempts, drawn questions and answers

Revision ID: 0003
Revises: 0004
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0004'  # chained: 0001 → 0006 → 0008 → 0007 → 0005 → 0004 → 0003
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contest_controls',
    sa.Column('contest_id', sa.String(length=64), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_contest_controls_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('contest_id', name=op.f('pk_contest_controls'))
    )
    op.create_table('contest_registrations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contest_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('full_name', sa.String(length=100), nullable=True),
    sa.Column('unit_id', sa.String(length=64), nullable=False),
    sa.Column('position', sa.String(length=100), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_contest_registrations_updated_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contest_registrations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_registrations')),
    sa.UniqueConstraint('contest_id', 'user_id', name=op.f('uq_contest_registrations_contest_id'))
    )
    op.create_index('ix_contest_registrations_contest_id_unit_id', 'contest_registrations', ['contest_id', 'unit_id'])

    op.create_table('quiz_attempts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('contest_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('registration_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('question_count', sa.Integer(), nullable=False),
    sa.Column('seconds_per_question', sa.Integer(), nullable=False),
    sa.Column('grace_seconds', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('total_ms', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['registration_id'], ['contest_registrations.id'], name=op.f('fk_quiz_attempts_registration_id_contest_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_quiz_attempts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempts')),
    sa.UniqueConstraint('mode', 'contest_id', 'user_id', 'number', name=op.f('uq_quiz_attempts_mode'))
    )
    op.create_index('ix_quiz_attempts_contest_id_mode', 'quiz_attempts', ['contest_id', 'mode'])
    op.create_index(op.f('ix_quiz_attempts_registration_id'), 'quiz_attempts', ['registration_id'])

    op.create_table('quiz_answers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('attempt_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=64), nullable=False),
    sa.Column('chosen', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=8), nullable=False),
    sa.Column('is_correct', sa.Boolean(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('elapsed_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempts.id'], name=op.f('fk_quiz_answers_attempt_id_quiz_attempts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_answers')),
    sa.UniqueConstraint('attempt_id', 'position', name=op.f('uq_quiz_answers_attempt_id'))
    )
    op.create_table('quiz_attempt_questions',
    sa.Column('attempt_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=64), nullable=False),
    sa.Column('option_order', sa.JSON(), nullable=False),
    sa.Column('shown_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempts.id'], name=op.f('fk_quiz_attempt_questions_attempt_id_quiz_attempts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attempt_id', 'position', name=op.f('pk_quiz_attempt_questions'))
    )


def downgrade() -> None:
    op.drop_table('quiz_attempt_questions')
    op.drop_table('quiz_answers')
    op.drop_index(op.f('ix_quiz_attempts_registration_id'), table_name='quiz_attempts')
    op.drop_index('ix_quiz_attempts_contest_id_mode', table_name='quiz_attempts')

    op.drop_table('quiz_attempts')
    op.drop_index('ix_contest_registrations_contest_id_unit_id', table_name='contest_registrations')

    op.drop_table('contest_registrations')
    op.drop_table('contest_controls')
