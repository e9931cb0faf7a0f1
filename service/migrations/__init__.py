"""Alembic migrations of the decision log (run at startup by service.log.db.migrate)."""
