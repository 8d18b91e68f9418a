"""Alembic migrations, one version history per service (each service owns its database)."""
