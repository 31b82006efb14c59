"""notice form key: a console answer posted twice (a double click, a resent form) is kept once

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-11
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0012'  # chained in merge order: … → 0013 → 0012 → 0015
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('feedback_notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_key', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_feedback_notices_form_key', ['form_key'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('feedback_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_notices_form_key')
        batch_op.drop_column('form_key')
