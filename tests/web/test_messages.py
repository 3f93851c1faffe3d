"""The dossier thread: applicants and the City staff in charge write on the dossier
page; staff may write internal notes that the applicant never sees."""

import pytest

from calls.models import Message
from calls.services import post_message
from workflows.exceptions import TransitionNotPermitted
from workflows.states import DossierState as S

from . import detail_url, page


def write(client, dossier, body, **extra):
    return client.post(f"/dossiers/{dossier.pk}/messages/", {"body": body, **extra})


def test_the_applicant_and_the_instructor_talk_on_the_dossier(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.applicant)
    response = write(client, dossier, "Le budget signé est joint.")
    assert response.status_code == 302
    assert response["Location"] == detail_url(dossier)

    client.force_login(world.instructor)
    assert write(client, dossier, "Merci, bien reçu.").status_code == 302

    for user in (world.applicant, world.instructor):
        client.force_login(user)
        history = page(client.get(detail_url(dossier))).text("content")
        assert "Le budget signé est joint." in history
        assert "Merci, bien reçu." in history


def test_internal_notes_stay_among_staff(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.instructor)
    assert "id_message_internal" in {
        a.get("id") for a in page(client.get(detail_url(dossier))).fields()
    }

    response = write(client, dossier, "Association connue du CCAS.", internal="on")

    assert response.status_code == 302
    assert Message.objects.get(application=dossier).internal is True
    client.force_login(world.administrator)
    assert "Association connue du CCAS." in client.get(detail_url(dossier)).content.decode()
    client.force_login(world.applicant)
    shown = client.get(detail_url(dossier))
    assert "Association connue du CCAS." not in shown.content.decode()
    assert "id_message_internal" not in {a.get("id") for a in page(shown).fields()}


def test_an_applicant_cannot_post_an_internal_note(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.applicant)

    write(client, dossier, "Ceci n'est pas une note interne.", internal="on")

    assert Message.objects.get(application=dossier).internal is False
    with pytest.raises(TransitionNotPermitted):
        post_message(dossier, world.applicant, "Note", internal=True)
    assert Message.objects.filter(application=dossier).count() == 1


def test_who_may_see_but_not_write_is_refused(client, world):
    dossier = world.dossier(S.IN_CONSULTATION)
    client.force_login(world.governance)
    shown = client.get(detail_url(dossier))
    assert shown.status_code == 200
    assert "id_message_body" not in {a.get("id") for a in page(shown).fields()}

    response = write(client, dossier, "Avis informel.")

    assert response.status_code == 403
    assert "not allowed to write" in page(response).text("error")
    assert not Message.objects.exists()


def test_an_empty_message_is_explained(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.applicant)

    response = write(client, dossier, "   ")

    assert response.status_code == 400
    assert page(response).text("id_message_body_error")
    assert not Message.objects.exists()


def test_html_in_a_message_is_shown_as_text(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.applicant)

    write(client, dossier, '<img src=x onerror="alert(1)">Bonjour')

    html = client.get(detail_url(dossier)).content.decode()
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Bonjour" in html
    assert "<img src=x" not in html
