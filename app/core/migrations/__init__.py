"""Alembic migration scripts for the local database (run at start-up)."""
