"""A double click (or a page sent again) creates one thing: each create form carries a
one-time key; the second post with it leads to what the first one created."""

import re
import threading
import time
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import form_tokens
from accounts.models import FormToken, Invitation, Organization
from calls.models import Application, Call, Message
from tests.conftest import postgres_available

ALREADY_SENT = "Ce formulaire a déjà été envoyé."
EXPIRED = "Ce formulaire a expiré."


def token_of(page) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', page.content.decode())
    assert found, "the form carries no one-time key"
    return found.group(1)


def post_twice(client, form_url, action_url, data):
    token = token_of(client.get(form_url))
    first = client.post(action_url, {**data, "form_token": token})
    assert first.status_code == 302
    second = client.post(action_url, {**data, "form_token": token}, follow=True)
    assert second.redirect_chain[0][0] == first["Location"]
    assert ALREADY_SENT in second.content.decode()
    return first


def login(user):
    client = Client()
    client.force_login(user)
    return client


def test_draft_created_once(world):
    client = login(world.applicant)
    data = {"call": world.call.pk, "organization": world.organization.pk, "title": "Jardin"}
    url = reverse("dossier_create") + f"?call={world.call.pk}"
    post_twice(client, url, reverse("dossier_create"), data)
    assert Application.objects.filter(title="Jardin").count() == 1


def test_message_posted_once(world):
    dossier = world.dossier("submitted")
    client = login(world.applicant)
    detail = reverse("dossier_detail", args=[dossier.pk])
    post_twice(client, detail, reverse("dossier_message", args=[dossier.pk]), {"body": "Bonjour"})
    assert Message.objects.filter(body="Bonjour").count() == 1


def test_invitation_sent_once(world):
    EmailAddress.objects.create(
        user=world.applicant, email=world.applicant.email, verified=True, primary=True
    )
    client = login(world.applicant)
    org = world.organization
    post_twice(
        client,
        reverse("org_detail", args=[org.pk]),
        reverse("org_invite", args=[org.pk]),
        {"email": "nouveau@example.org"},
    )
    assert Invitation.objects.filter(email="nouveau@example.org").count() == 1


ORGANIZATION = {
    "name": "Les Amis de la Bastide",
    "kind": Organization.Kind.ASSOCIATION,
    "siret": "732 829 320 00074",
    "rna": "W332012345",
    "address": "12 rue de la Benauge, 33100 Bordeaux",
    "contact_email": "contact@example.org",
}


def test_organisation_created_once(world):
    client = login(world.applicant)
    post_twice(client, reverse("org_create"), reverse("org_create"), ORGANIZATION)
    assert Organization.objects.filter(name=ORGANIZATION["name"]).count() == 1


def test_call_cloned_once(world):
    client = login(world.administrator)
    url = reverse("staff_call_clone", args=[world.call.pk])
    post_twice(
        client,
        url,
        url,
        {
            "title": "Édition suivante",
            "year": 2031,
            "opens_at": "2031-05-01T09:00",
            "closes_at": "2031-06-30T18:00",
        },
    )
    assert Call.objects.filter(title="Édition suivante").count() == 1


def test_forged_expired_or_foreign_key_keeps_the_input(world):
    client = login(world.applicant)
    url = reverse("org_create")
    other = login(world.other_applicant)
    foreign = token_of(other.get(url))
    old = form_tokens.issue(world.applicant, issued_at=time.time() - 10 * 86400)
    for key in ("forged", "00000000-0000-0000-0000-000000000000", foreign, old):
        response = client.post(url, {**ORGANIZATION, "form_token": key})
        assert response.status_code == 400
        page = response.content.decode()
        assert EXPIRED in page
        assert "12 rue de la Benauge" in page  # what was typed is shown again
        assert token_of(response) != key  # and a fresh key lets it be sent
    assert not Organization.objects.filter(name=ORGANIZATION["name"]).exists()


def test_showing_a_form_writes_nothing_and_used_keys_are_cleaned(world):
    client = login(world.applicant)
    token_of(client.get(reverse("org_create")))
    assert FormToken.objects.count() == 0  # rendering a form costs no write
    url = reverse("org_create")
    client.post(url, {**ORGANIZATION, "form_token": token_of(client.get(url))})
    FormToken.objects.update(created_at=timezone.now() - timedelta(days=10))
    client.post(url, {**ORGANIZATION, "name": "Deuxième", "form_token": token_of(client.get(url))})
    assert FormToken.objects.count() == 1


@pytest.mark.postgres_only
@pytest.mark.skipif(not postgres_available(), reason="needs PostgreSQL (row locks)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_posts_create_one_organisation(world):
    for round_ in range(5):
        name = f"Association simultanée {round_}"
        client = login(world.applicant)
        token = token_of(client.get(reverse("org_create")))
        barrier = threading.Barrier(2)
        statuses = []

        def send(barrier=barrier, name=name, token=token, statuses=statuses):
            try:
                own = login(world.applicant)
                barrier.wait(timeout=30)
                response = own.post(
                    reverse("org_create"), {**ORGANIZATION, "name": name, "form_token": token}
                )
                statuses.append(response.status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert statuses == [302, 302]
        assert Organization.objects.filter(name=name).count() == 1


def test_staff_note_posted_once(world):
    dossier = world.dossier("submitted")
    client = login(world.instructor)
    post_twice(
        client,
        reverse("staff_dossier_detail", args=[dossier.pk]),
        reverse("staff_dossier_message", args=[dossier.pk]),
        {"body": "Association connue du CCAS", "internal": "on"},
    )
    assert Message.objects.filter(body="Association connue du CCAS").count() == 1


def test_a_forged_key_on_the_staff_note_shows_why_above_the_form(world):
    dossier = world.dossier("submitted")
    client = login(world.instructor)
    response = client.post(
        reverse("staff_dossier_message", args=[dossier.pk]),
        {"body": "Note gardée", "internal": "on", "form_token": "forged"},
    )
    assert response.status_code == 400
    summary = re.search(r'id="message-error">(.*?)</div>', response.content.decode(), re.S)
    assert summary and EXPIRED in summary.group(1)
    assert "Note gardée" in response.content.decode()
    assert not Message.objects.filter(body="Note gardée").exists()


def test_a_page_without_key_posts_as_before_and_a_keyed_one_is_one_time(world):
    """A page rendered before keys existed has no key field: each of its posts is done
    (nothing typed is lost); the same form with a key is done once."""
    dossier = world.dossier("submitted")
    client = login(world.instructor)
    url = reverse("staff_dossier_message", args=[dossier.pk])
    for _round in range(2):
        assert client.post(url, {"body": "Ancienne page", "internal": "on"}).status_code == 302
    assert Message.objects.filter(body="Ancienne page").count() == 2
    key = token_of(client.get(reverse("staff_dossier_detail", args=[dossier.pk])))
    for _round in range(2):
        client.post(url, {"body": "Nouvelle page", "internal": "on", "form_token": key})
    assert Message.objects.filter(body="Nouvelle page").count() == 1


def test_bulk_decisions_done_once_and_the_second_answer_shows_the_first_report(world):
    from reviews.models import Decision

    first_dossier, second_dossier = (world.dossier("awaiting_decision") for _ in range(2))
    client = login(world.administrator)
    url = reverse("staff_decisions")
    key = token_of(client.get(url, {"call": world.call.pk}))
    data = {"call": world.call.pk, "action": "select", "form_token": key}
    data["dossier"] = [first_dossier.pk, second_dossier.pk]
    for dossier in (first_dossier, second_dossier):
        data[f"state-{dossier.pk}"] = "awaiting_decision"
        data[f"amount-{dossier.pk}"] = "5000"
    first = client.post(url, data)
    assert first.status_code == 200
    second = client.post(url, data)
    page = second.content.decode()
    assert ALREADY_SENT in page
    for dossier in (first_dossier, second_dossier):
        report_row = re.search(rf'id="outcome-{dossier.pk}">(.*?)</tr>', page, re.S).group(1)
        assert "Effectué" in report_row and "5\xa0000,00 €" in report_row
        assert Decision.objects.filter(application=dossier).count() == 1


def test_bulk_notification_done_once(world):
    from notifications.models import OutboundEmail
    from workflows.services import perform

    dossier = world.dossier("awaiting_decision")
    perform(dossier, "select", world.administrator, amount="5000", reason="Projet solide")
    client = login(world.administrator)
    url = reverse("outbox_list")
    page = client.get(url).content.decode()
    key = re.search(r'id="send-all">.*?name="form_token" value="([^"]+)"', page, re.S).group(1)
    data = {"dossier": [dossier.pk], f"state-{dossier.pk}": "selected", "form_token": key}
    assert client.post(reverse("outbox_send_all"), data).status_code == 200
    second = client.post(reverse("outbox_send_all"), data)
    assert second.status_code == 200
    page = second.content.decode()
    assert ALREADY_SENT in page
    assert "Effectué" in re.search(rf'id="outcome-{dossier.pk}">(.*?)</tr>', page, re.S).group(1)
    dossier.refresh_from_db()
    assert dossier.state == "notified"
    assert OutboundEmail.objects.filter(application=dossier).count() >= 1
