"""The table of the database cache (settings CACHE_BACKEND=database, the default of a single server without
Redis): rate limits and login throttling shared by every process. Made here so that `migrate` is enough."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "alleykeeper_cache"


def create(apps, schema_editor) -> None:  # noqa: ANN001 - a migration's signature
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor) -> None:  # noqa: ANN001
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")



class Migration(migrations.Migration):
    dependencies = []
    operations = [migrations.RunPython(create, drop, elidable=False)]
