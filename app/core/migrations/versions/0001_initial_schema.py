"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25

The five tables of the domain model (product.md). On SQLite, triggers make the
database itself refuse writes to the annotations of a published set and any way back
from published to draft, so no code path (or hand-made SQL) can change published labels.
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

_LOCKED = "'annotation set is published and cannot be changed'"
PUBLISHED_LOCK_TRIGGERS = [
    f"""CREATE TRIGGER annotations_published_insert BEFORE INSERT ON annotations
    WHEN (SELECT status FROM annotation_sets WHERE id = NEW.annotation_set_id) = 'published'
    BEGIN SELECT RAISE(ABORT, {_LOCKED}); END""",
    f"""CREATE TRIGGER annotations_published_update BEFORE UPDATE ON annotations
    WHEN (SELECT status FROM annotation_sets WHERE id = OLD.annotation_set_id) = 'published'
      OR (SELECT status FROM annotation_sets WHERE id = NEW.annotation_set_id) = 'published'
    BEGIN SELECT RAISE(ABORT, {_LOCKED}); END""",
    # A cascade from deleting the whole dataset removes the set row first, so the lookup
    # finds nothing and the delete goes through; a direct delete of a published
    # annotation is refused.
    f"""CREATE TRIGGER annotations_published_delete BEFORE DELETE ON annotations
    WHEN (SELECT status FROM annotation_sets WHERE id = OLD.annotation_set_id) = 'published'
    BEGIN SELECT RAISE(ABORT, {_LOCKED}); END""",
    """CREATE TRIGGER annotation_sets_stay_published BEFORE UPDATE ON annotation_sets
    WHEN OLD.status = 'published' AND (NEW.status != 'published'
      OR NEW.published_at IS NOT OLD.published_at OR NEW.version != OLD.version)
    BEGIN SELECT RAISE(ABORT, 'a published annotation set cannot be changed'); END""",
]


def upgrade() -> None:
    op.create_table('datasets',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('annotation_sets',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('dataset_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source_set_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'published')", name='ck_set_status'),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dataset_id', 'version', name='uq_set_version')
    )
    with op.batch_alter_table('annotation_sets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annotation_sets_dataset_id'), ['dataset_id'], unique=False)

    op.create_table('artifact_types',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('dataset_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('color', sa.String(length=7), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dataset_id', 'name', name='uq_artifact_type_name')
    )
    with op.batch_alter_table('artifact_types', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_artifact_types_dataset_id'), ['dataset_id'], unique=False)

    op.create_table('audio_files',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('dataset_id', sa.String(length=36), nullable=False),
    sa.Column('original_filename', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('subtype', sa.String(length=32), nullable=False),
    sa.Column('sample_rate', sa.Integer(), nullable=False),
    sa.Column('channels', sa.Integer(), nullable=False),
    sa.Column('frames', sa.Integer(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dataset_id', 'sha256', name='uq_audio_content')
    )
    with op.batch_alter_table('audio_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audio_files_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audio_files_sha256'), ['sha256'], unique=False)

    op.create_table('annotations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('annotation_set_id', sa.String(length=36), nullable=False),
    sa.Column('audio_file_id', sa.String(length=36), nullable=False),
    sa.Column('artifact_type_id', sa.Integer(), nullable=False),
    sa.Column('start_ms', sa.Integer(), nullable=False),
    sa.Column('end_ms', sa.Integer(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('confidence >= 0.0 AND confidence <= 1.0', name='ck_annotation_confidence'),
    sa.CheckConstraint('start_ms >= 0 AND end_ms > start_ms', name='ck_annotation_times'),
    sa.ForeignKeyConstraint(['annotation_set_id'], ['annotation_sets.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['artifact_type_id'], ['artifact_types.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['audio_file_id'], ['audio_files.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annotations_artifact_type_id'), ['artifact_type_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_annotations_audio_file_id'), ['audio_file_id'], unique=False)
        batch_op.create_index('ix_annotations_set_audio_start', ['annotation_set_id', 'audio_file_id', 'start_ms'], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        for statement in PUBLISHED_LOCK_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("annotations_published_insert", "annotations_published_update",
                     "annotations_published_delete", "annotation_sets_stay_published"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.drop_index('ix_annotations_set_audio_start')
        batch_op.drop_index(batch_op.f('ix_annotations_audio_file_id'))
        batch_op.drop_index(batch_op.f('ix_annotations_artifact_type_id'))

    op.drop_table('annotations')
    with op.batch_alter_table('audio_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audio_files_sha256'))
        batch_op.drop_index(batch_op.f('ix_audio_files_dataset_id'))

    op.drop_table('audio_files')
    with op.batch_alter_table('artifact_types', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_artifact_types_dataset_id'))

    op.drop_table('artifact_types')
    with op.batch_alter_table('annotation_sets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annotation_sets_dataset_id'))

    op.drop_table('annotation_sets')
    op.drop_table('datasets')
