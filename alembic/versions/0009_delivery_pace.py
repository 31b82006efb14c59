"""delivery pace: one broadcast budget per channel for the whole fleet of workers

Revision ID: 0009
Revises: 0003
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0003'  # chained: … → 0004 → 0003 → 0009
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('delivery_pace',
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('next_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ring', sa.ARRAY(sa.DateTime(timezone=True)).with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('channel', name=op.f('pk_delivery_pace'))
    )


def downgrade() -> None:
    op.drop_table('delivery_pace')
