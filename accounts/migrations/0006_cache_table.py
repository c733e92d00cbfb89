"""The shared cache's table (settings.CACHES: Django's database cache unless REDIS_URL is
set), created by `migrate` so that every deployment that migrates has it: login throttling
and API rate limits count in it. createcachetable skips a table that exists and caches that
are not in the database."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_limits")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
