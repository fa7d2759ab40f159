"""Alembic environment: migrations run against the connection handed in by `frontdesk.storage.database`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from frontdesk.storage.models import Base

config = context.config
target_metadata = Base.metadata

connection = config.attributes.get("connection")
if connection is not None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:  # `alembic` run by hand, e.g. to autogenerate a revision
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///frontdesk-dev.db")
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
