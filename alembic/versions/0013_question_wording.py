"""question wording: an unanswered question as the person typed it (masked), for reports

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0011'  # chained in merge order: … → 0009 → 0011 → 0013
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('engagement_events') as batch:
        batch.add_column(sa.Column('wording', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('engagement_events') as batch:
        batch.drop_column('wording')
