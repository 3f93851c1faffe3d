"""The table of the shared cache (settings.CACHES, the database cache by default): the
rate limits are counted there, so that they hold across web processes and hosts."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # Creates the table of every DatabaseCache of the settings on this database (none
    # when the cache is Redis); an existing table is left as it is.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_invitation")]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False),
    ]
