"""An email is never abandoned: once its attempts are spent it is counted on a warning
of every page an administrator sees, listed by the "problems" filter, resent one by one
or all at once (confirmed, audited), and re-queued by ``requeue_outbox``."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from notifications.models import OutboundEmail
from tests.web import page
from workflows.models import AuditEvent
from workflows.states import DossierState as S

Status = OutboundEmail.Status


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def fail(email, attempts=5):
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=Status.FAILED, attempts=attempts, last_error="SMTPRecipientsRefused: 451"
    )


@pytest.fixture
def failed(world):
    """Two emails of a submitted dossier whose attempts are spent (never sent)."""
    dossier = world.dossier(S.SUBMITTED)
    second = OutboundEmail.objects.create(
        application=dossier,
        event="note",
        recipient="second@example.org",
        subject="Deuxième",
        body_text="x",
        idempotency_key=f"second-{dossier.pk}",
    )
    emails = [OutboundEmail.objects.filter(application=dossier, event="submit").first(), second]
    for email in emails:
        fail(email)
    mail.outbox.clear()
    return emails


def test_every_page_of_an_administrator_warns_while_an_email_is_failing(client, world, failed):
    client.force_login(world.administrator)
    for url in [reverse("dashboard"), reverse("staff_decisions"), reverse("outbox_list")]:
        warning = page(client.get(url)).text("outbox-failing")
        assert "2 emails could not be sent" in warning, url
    response = client.get(reverse("dashboard"))
    assert f'href="{reverse("outbox_sent")}?status=failed"' in response.content.decode()
    listed = client.get(reverse("outbox_sent"), {"status": "failed"}).context["page"]
    assert {email.pk for email in listed.object_list} == {email.pk for email in failed}

    OutboundEmail.objects.filter(status=Status.FAILED).update(status=Status.SENT)
    assert not page(client.get(reverse("dashboard"))).text("outbox-failing")


@pytest.mark.parametrize("role", ["applicant", "instructor", "juror"])
def test_nobody_but_administrators_sees_the_warning_or_resends(client, world, failed, role):
    client.force_login(world.roles()[role])
    assert not page(client.get(reverse("dashboard"))).text("outbox-failing")
    resend = reverse("outbox_resend", args=[failed[0].pk])
    assert client.post(resend, {"confirm": "on"}).status_code == 404
    assert client.post(reverse("outbox_resend_all"), {"confirm": "on"}).status_code == 404
    assert OutboundEmail.objects.filter(status=Status.FAILED).count() == 2


def test_the_warning_costs_one_query(client, world, failed, django_assert_num_queries):
    from notifications.context_processors import OutboxWarning

    warning = OutboxWarning(world.administrator)
    with django_assert_num_queries(2, exact=False) as captured:  # the role, the count
        assert warning.count == 2
        assert warning.count == 2
    outbox = [q["sql"] for q in captured.captured_queries if "outboundemail" in q["sql"]]
    assert len(outbox) == 1 and "COUNT" in outbox[0].upper()


def test_resending_one_email_needs_a_confirmation_then_sends_it_once(
    client, world, failed, on_commit
):
    client.force_login(world.administrator)
    email = failed[0]
    detail = page(client.get(reverse("outbox_detail", args=[email.pk])))
    assert detail.text("resend-title")
    url = reverse("outbox_resend", args=[email.pk])
    assert client.get(url).status_code == 405

    refused = client.post(url, {})
    assert refused.status_code == 400
    assert "Tick the box to confirm" in refused.content.decode()
    assert OutboundEmail.objects.get(pk=email.pk).status == Status.FAILED

    with on_commit():
        response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    email.refresh_from_db()
    assert email.status == Status.SENT
    assert [m.to for m in mail.outbox] == [[email.recipient]]
    event = AuditEvent.objects.get(event="outbox.email_resent")
    assert event.actor == world.administrator and event.data["email"] == email.pk

    again = client.post(url, {"confirm": "on"})  # a double click, or a stale page
    assert again.status_code == 409
    assert "not failing any more" in again.content.decode()
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(event="outbox.email_resent").count() == 1


def test_resending_all_the_failing_emails_from_the_outbox(client, world, failed, on_commit):
    client.force_login(world.administrator)
    outbox = page(client.get(reverse("outbox_list")))
    assert outbox.text("resend-all")
    url = reverse("outbox_resend_all")
    assert client.post(url, {}).status_code == 400
    assert OutboundEmail.objects.filter(status=Status.FAILED).count() == 2

    with on_commit():
        response = client.post(url, {"confirm": "on"}, follow=True)
    assert "2 failing emails are being sent again." in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.recipient for e in failed)
    assert set(
        OutboundEmail.objects.filter(pk__in=[e.pk for e in failed]).values_list("status", flat=True)
    ) == {Status.SENT}
    assert AuditEvent.objects.filter(event="outbox.email_resent").count() == 2
    assert not page(response).text("outbox-failing")


def test_the_requeue_command_sends_the_failed_emails_again(world, failed, capsys):
    call_command("requeue_outbox")

    assert "2 email(s) re-queued." in capsys.readouterr().out
    assert len(mail.outbox) == 2
    call_command("requeue_outbox")
    assert len(mail.outbox) == 2


def test_the_problems_filter_lists_the_failed_emails(client, world, failed):
    client.force_login(world.administrator)
    response = client.get(reverse("outbox_sent"), {"problems": "1"})
    listed = {email.pk for email in response.context["page"].object_list}
    assert listed == {email.pk for email in failed}
