"""sync state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

What a push sent to which platform (app/core/sync_state_models.py): remote ids of the
dataset, audio files, sets and annotations, the values sent, the stage of each audio
upload and the last error, keyed by the local id plus the platform's base URL.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sync_datasets',
    sa.Column('dataset_id', sa.String(length=36), nullable=False),
    sa.Column('remote', sa.String(length=500), nullable=False),
    sa.Column('remote_id', sa.String(length=36), nullable=True),
    sa.Column('creating_since', sa.DateTime(), nullable=True),
    sa.Column('pushed_name', sa.String(length=200), nullable=True),
    sa.Column('pushed_description', sa.Text(), nullable=True),
    sa.Column('pushed_types_json', sa.Text(), nullable=True),
    sa.Column('pushed_at', sa.DateTime(), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('dataset_id', 'remote')
    )
    op.create_table('sync_audio',
    sa.Column('audio_file_id', sa.String(length=36), nullable=False),
    sa.Column('remote', sa.String(length=500), nullable=False),
    sa.Column('dataset_id', sa.String(length=36), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('remote_audio_id', sa.String(length=36), nullable=True),
    sa.Column('stage_since', sa.DateTime(), nullable=True),
    sa.Column('uploaded_filename', sa.String(length=500), nullable=True),
    sa.Column('content_type', sa.String(length=64), nullable=True),
    sa.Column('uploaded_size', sa.Integer(), nullable=True),
    sa.Column('upload_ticket_json', sa.Text(), nullable=True),
    sa.Column('upload_expires_at', sa.DateTime(), nullable=True),
    sa.Column('remote_status', sa.String(length=32), nullable=True),
    sa.Column('pushed_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['audio_file_id'], ['audio_files.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('audio_file_id', 'remote')
    )
    op.create_index('ix_sync_audio_dataset_remote', 'sync_audio', ['dataset_id', 'remote'],
                    unique=False)
    op.create_table('sync_sets',
    sa.Column('set_id', sa.String(length=36), nullable=False),
    sa.Column('remote', sa.String(length=500), nullable=False),
    sa.Column('dataset_id', sa.String(length=36), nullable=False),
    sa.Column('remote_set_id', sa.String(length=36), nullable=True),
    sa.Column('creating_since', sa.DateTime(), nullable=True),
    sa.Column('remote_version', sa.Integer(), nullable=True),
    sa.Column('remote_status', sa.String(length=16), nullable=True),
    sa.Column('pushed_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_id'], ['annotation_sets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('set_id', 'remote')
    )
    op.create_index('ix_sync_sets_dataset_remote', 'sync_sets', ['dataset_id', 'remote'],
                    unique=False)
    op.create_table('sync_annotations',
    sa.Column('annotation_id', sa.String(length=36), nullable=False),
    sa.Column('remote', sa.String(length=500), nullable=False),
    sa.Column('set_id', sa.String(length=36), nullable=False),
    sa.Column('remote_annotation_id', sa.String(length=36), nullable=False),
    sa.Column('audio_file_id', sa.String(length=36), nullable=False),
    sa.Column('artifact_type', sa.String(length=100), nullable=False),
    sa.Column('start_ms', sa.Integer(), nullable=False),
    sa.Column('end_ms', sa.Integer(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('pushed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['set_id'], ['annotation_sets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('annotation_id', 'remote')
    )
    op.create_index('ix_sync_annotations_set_remote', 'sync_annotations', ['set_id', 'remote'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_sync_annotations_set_remote', table_name='sync_annotations')
    op.drop_table('sync_annotations')
    op.drop_index('ix_sync_sets_dataset_remote', table_name='sync_sets')
    op.drop_table('sync_sets')
    op.drop_index('ix_sync_audio_dataset_remote', table_name='sync_audio')
    op.drop_table('sync_audio')
    op.drop_table('sync_datasets')
