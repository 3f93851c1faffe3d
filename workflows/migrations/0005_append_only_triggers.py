from django.db import migrations

from workflows.triggers import create_sql, drop_sql


def create_triggers(apps, schema_editor):
    for statement in create_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    for statement in drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    """The database refuses UPDATE and DELETE on the transition log and the audit events."""

    dependencies = [("workflows", "0004_audit_event")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
