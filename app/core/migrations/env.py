"""Alembic environment: runs on the connection the app hands over (see app.core.db)."""

from alembic import context

from app.core.models import Base
import app.core.sync_state_models  # noqa: F401,E402 - registers the sync tables on Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    from sqlalchemy import create_engine

    connection = create_engine(config.get_main_option("sqlalchemy.url")).connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
