"""Append-only triggers on the audit tables: the database itself refuses an UPDATE or a
DELETE of a transition log row or an audit event, whoever sends it (the ORM, a raw SQL
statement, a database console). Created by migration ``workflows.0005``.

On PostgreSQL a ``BEFORE UPDATE OR DELETE`` row trigger raises an exception; on SQLite
two ``BEFORE`` triggers ``RAISE(ABORT)``. The only way to empty the tables is a
deliberate maintenance step: ``TRUNCATE`` on PostgreSQL, and on SQLite a row in the
``workflows_trail_maintenance`` table (used by the test harness to flush its database
between tests; production never writes it)."""

from contextlib import contextmanager

from django.db import transaction

APPEND_ONLY_TABLES = ("workflows_transitionlog", "workflows_auditevent")
MAINTENANCE_TABLE = "workflows_trail_maintenance"
MESSAGE = "append-only table: rows of the audit trail cannot be changed or deleted"

POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION workflows_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%: %', TG_TABLE_NAME, '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def create_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = [POSTGRES_FUNCTION]
        for table in APPEND_ONLY_TABLES:
            statements.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION workflows_refuse_change()"
            )
        return statements
    if vendor == "sqlite":
        statements = [f"CREATE TABLE IF NOT EXISTS {MAINTENANCE_TABLE} (reason TEXT)"]
        for table in APPEND_ONLY_TABLES:
            for operation in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} "
                    f"ON {table} WHEN NOT EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE}) "
                    f"BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END"
                )
        return statements
    return []


def drop_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in APPEND_ONLY_TABLES
        ]
        return [*statements, "DROP FUNCTION IF EXISTS workflows_refuse_change()"]
    if vendor == "sqlite":
        statements = [
            f"DROP TRIGGER IF EXISTS {table}_no_{operation}"
            for table in APPEND_ONLY_TABLES
            for operation in ("update", "delete")
        ]
        return [*statements, f"DROP TABLE IF EXISTS {MAINTENANCE_TABLE}"]
    return []


@contextmanager
def maintenance(connection, reason: str):
    """Lift the SQLite triggers for the statements run inside (a deliberate maintenance
    step, such as the test harness emptying its database). PostgreSQL empties the tables
    with TRUNCATE, which the row triggers do not cover, so nothing is needed there."""
    if connection.vendor != "sqlite":
        yield
        return
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {MAINTENANCE_TABLE} (reason) VALUES (%s)", [reason])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {MAINTENANCE_TABLE}")
