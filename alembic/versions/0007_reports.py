"""reports: survey responses (once per period per person), engagement log indexes

Revision ID: 0007
Revises: 0008
Create Date: 2026-11-24
"""

import sqlalchemy as sa

from alembic import op

revision = "0007"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("survey_id", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=24), nullable=False),
        sa.Column("user_key", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint(
            "survey_id", "period", "user_key", name=op.f("uq_survey_responses_survey_id")
        ),
    )
    with op.batch_alter_table("engagement_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_engagement_events_user_key_occurred_at", ["user_key", "occurred_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("engagement_events", schema=None) as batch_op:
        batch_op.drop_index("ix_engagement_events_user_key_occurred_at")
    op.drop_table("survey_responses")
