"""The audit trail is the database's promise, not only the ORM's: triggers created by the
migrations refuse UPDATE and DELETE on the transition log and the audit events, sent as
raw SQL or through a plain QuerySet that skips the models' append-only guard. Runs on
SQLite and on PostgreSQL (whichever the suite runs on)."""

import pytest
from django.db import DatabaseError, connection, models, transaction

from workflows.audit import record_event
from workflows.models import AuditEvent, TransitionLog
from workflows.states import DossierState as S


def refused(sql, params=()):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)


@pytest.fixture
def rows(world):
    dossier = world.dossier(S.SUBMITTED)
    event = record_event("jury.assigned", actor=world.administrator, application=dossier)
    log = TransitionLog.objects.filter(application=dossier).last()
    return log, event


@pytest.mark.parametrize("model", [TransitionLog, AuditEvent], ids=["log", "event"])
def test_raw_sql_cannot_update_or_delete_a_row(rows, model):
    row = next(r for r in rows if isinstance(r, model))
    table = model._meta.db_table
    refused(f"UPDATE {table} SET reason = %s WHERE id = %s", ["Réécrit.", row.pk])
    refused(f"UPDATE {table} SET actor_id = NULL")
    refused(f"DELETE FROM {table} WHERE id = %s", [row.pk])
    refused(f"DELETE FROM {table}")
    assert model.objects.filter(pk=row.pk).values_list("reason", flat=True).get() == ""
    assert model.objects.filter(pk=row.pk).get().actor_id is not None


@pytest.mark.parametrize("model", [TransitionLog, AuditEvent], ids=["log", "event"])
def test_a_plain_queryset_skipping_the_orm_guard_is_refused_by_the_database(rows, model):
    row = next(r for r in rows if isinstance(r, model))
    plain = models.QuerySet(model)  # not the append-only queryset of the model
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        plain.filter(pk=row.pk).update(reason="Réécrit.")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        plain.filter(pk=row.pk)._raw_delete(connection.alias)
    assert model.objects.filter(pk=row.pk, reason="").exists()


def test_appending_still_works(rows, world):
    log, _event = rows
    before = TransitionLog.objects.count()
    record_event("opinion.given", actor=world.governance, application=log.application)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TransitionLog._meta.db_table} "
            "(application_id, transition, from_state, to_state, at, reason, data) "
            "VALUES (%s, 'note', 'submitted', 'submitted', %s, '', '{}')",
            [log.application_id, log.at],
        )
    assert TransitionLog.objects.count() == before + 1
    assert AuditEvent.objects.filter(event="opinion.given").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_transactional_test_leaves_a_trail_its_harness_can_flush(world):
    """The harness empties the tables after this test (on SQLite inside the deliberate
    maintenance step of ``workflows.triggers``); the next test starts empty."""
    dossier = world.dossier(S.SUBMITTED)
    record_event("jury.assigned", actor=world.administrator, application=dossier)
    refused(f"DELETE FROM {AuditEvent._meta.db_table}")
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_the_tables_are_empty_after_the_flush():
    assert not AuditEvent.objects.exists()
    assert not TransitionLog.objects.exists()
