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
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
