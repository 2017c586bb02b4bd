"""Alembic environment: the engine comes from vger.store.db.upgrade (or VGER_DATABASE_URL)."""

from alembic import context

from vger.store.schema import metadata

config = context.config


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from vger.config import Settings
        from vger.store.db import make_engine

        engine = make_engine(Settings().database_url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode recreates tables; with foreign keys on, dropping the old table
            # would cascade into every child table. Off for the migration, on after.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")


run_migrations_online()
