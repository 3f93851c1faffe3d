"""Minutes of the deliberation (form, PDF with hostile text, audit trail, locked once
notified) and the publication of the laureates (back office, then public pages)."""

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from workflows.models import AuditEvent
from workflows.services import perform

MINUTES = {
    "meeting_date": "2026-11-20",
    "members_present": "Mme Dupont, présidente\n\nM. Martin",
    "quorum_note": "7 membres sur 9 : quorum atteint.",
    "notes": "",
}


def minutes_url(call):
    return reverse("staff_minutes", args=[call.pk])


def test_minutes_are_recorded_audited_and_printed(client, edition):
    client.force_login(edition.admin)
    selected = edition.scored([(5, 10)])
    perform(selected, "select", edition.admin, reason="Action exemplaire </table><script>")
    hostile = {**MINUTES, "notes": '<img src="http://example.org/x.png"> </style> ' + "A" * 3000}

    response = client.post(minutes_url(edition.call), hostile)

    assert response.status_code == 302
    event = AuditEvent.objects.get(event="minutes.recorded")
    assert event.call == edition.call and event.data["members_present"] == 2
    pdf = client.get(reverse("staff_minutes_pdf", args=[edition.call.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    content = client.get(minutes_url(edition.call)).content.decode()
    assert "Action exemplaire &lt;/table&gt;&lt;script&gt;" in content


def test_bad_minutes_are_explained(client, edition):
    client.force_login(edition.admin)
    future = (timezone.localdate() + timedelta(days=3)).isoformat()

    response = client.post(
        minutes_url(edition.call), {**MINUTES, "meeting_date": future, "members_present": " \n "}
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert "cannot be in the future" in content and "one per line" in content
    assert not AuditEvent.objects.filter(event="minutes.recorded").exists()


def test_minutes_are_locked_once_notified(client, edition):
    client.force_login(edition.admin)
    client.post(minutes_url(edition.call), MINUTES)
    dossier = edition.scored([(5, 10)])
    perform(dossier, "select", edition.admin)
    perform(dossier, "notify", edition.admin)

    response = client.post(minutes_url(edition.call), {**MINUTES, "quorum_note": "changed"})

    assert response.status_code == 409
    assert "locked" in client.get(minutes_url(edition.call)).content.decode()
    assert edition.call.minutes.quorum_note == MINUTES["quorum_note"]
    assert edition.call.minutes.meeting_date == date(2026, 11, 20)


def laureates_url(call):
    return reverse("staff_laureates", args=[call.pk])


def public_url(call, **query):
    from urllib.parse import urlencode

    return reverse("public_laureates_edition", args=[call.pk]) + (
        f"?{urlencode(query)}" if query else ""
    )


def test_publication_only_once_notified_then_public_pages(client, edition):
    client.force_login(edition.admin)
    special = edition.scored([(5, 10)], objectives=(1, 2), districts=["bastide"])
    other = edition.scored([(4, 10)], objectives=(2,), organization=edition.company)
    perform(special, "select", edition.admin, special_prize="1")
    perform(other, "select", edition.admin)

    response = client.post(laureates_url(edition.call), {"action": "publish", "confirm": "on"})
    assert response.status_code == 400
    assert "not notified yet" in response.content.decode()
    assert client.get(public_url(edition.call)).status_code == 404

    perform(special, "notify", edition.admin)
    perform(other, "notify", edition.admin)
    assert client.post(laureates_url(edition.call), {"action": "publish"}).status_code == 400
    response = client.post(laureates_url(edition.call), {"action": "publish", "confirm": "on"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(event="laureates.published", call=edition.call).exists()

    client.logout()
    listing = client.get(reverse("public_laureates")).content.decode()
    assert edition.call.title in listing
    content = client.get(public_url(edition.call)).content.decode()
    # Special prizes first, then each action under each of its objectives.
    assert content.index('id="special-title"') < content.index('id="objective-1"')
    assert content.count(other.title) == 1 and content.count(special.title) == 3
    filtered = client.get(public_url(edition.call, district="bastide")).content.decode()
    assert special.title in filtered and other.title not in filtered
    assert client.get(public_url(edition.call, objective="abc")).status_code == 400

    client.force_login(edition.admin)
    client.post(laureates_url(edition.call), {"action": "unpublish", "confirm": "on"})
    assert AuditEvent.objects.filter(event="laureates.unpublished").exists()
    client.logout()
    assert client.get(public_url(edition.call)).status_code == 404


def test_public_laureates_in_french(client, edition):
    client.get(reverse("public_laureates"), HTTP_ACCEPT_LANGUAGE="fr")
    response = client.get(reverse("public_laureates"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
