"""gap marks: editors' marks on groups of unanswered questions

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-10
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0013'  # chained in merge order: … → 0011 → 0013 → 0012
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gap_marks',
    sa.Column('wording', sa.String(length=255), nullable=False),
    sa.Column('group_id', sa.String(length=16), nullable=False),
    sa.Column('representative', sa.String(length=255), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('entry_id', sa.String(length=64), nullable=True),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('marked_by', sa.String(length=128), nullable=True),
    sa.PrimaryKeyConstraint('wording', name=op.f('pk_gap_marks'))
    )
    with op.batch_alter_table('gap_marks', schema=None) as batch_op:
        batch_op.create_index('ix_gap_marks_group_id', ['group_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('gap_marks', schema=None) as batch_op:
        batch_op.drop_index('ix_gap_marks_group_id')

    op.drop_table('gap_marks')
