"""The SQL store: schema, migrations, writes (upserts) and reads (DataFrames)."""
