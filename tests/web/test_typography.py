"""Typography as a reader meets it, done once for every page, email and letter
(``config.typography``, the French formats of ``config/formats``): in French, a
non-breaking space before « : ; ! ? » and inside « », "1er" for the first day of a
month, hours as "14 h 30"; in English, "a.m." with one period."""

from datetime import date, datetime
from html import unescape

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from config.typography import english, french, html
from notifications import letters
from tests.conftest import EnglishClient
from tests.factories import CallFactory
from workflows.states import DossierState as S

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("typed", "typeset"),
    [
        ("Motif : refusé", f"Motif{NBSP}: refusé"),
        ("Motif: refusé", f"Motif{NBSP}: refusé"),
        ("Vraiment ? Oui ! Enfin ; bref", f"Vraiment{NBSP}? Oui{NBSP}! Enfin{NBSP}; bref"),
        ("« Guide facile »", f"«{NBSP}Guide facile{NBSP}»"),
        ("«Guide»", f"«{NBSP}Guide{NBSP}»"),
        ("le 1 mars 2027", "le 1er mars 2027"),
        ("le 1\u00a0juillet", "le 1er\u00a0juillet"),
        # Left alone: other days, numbers, hours, addresses.
        ("le 11 mars, le 21 mars", "le 11 mars, le 21 mars"),
        ("1 000 € à 14:30", "1 000 € à 14:30"),
        ("https://exemple.fr/?appel=1 et mailto:a@b.fr", "https://exemple.fr/?appel=1 et mailto:a@b.fr"),
    ],
)
def test_french_typography_of_a_text(typed, typeset):
    assert french(typed) == typeset


def test_english_keeps_one_period_after_a_m():
    assert english("It closes at 10 a.m.. Be on time.") == "It closes at 10 a.m. Be on time."
    assert html("<p>Closes on <time>March 1, 10 a.m.</time>.</p>", "en") == (
        "<p>Closes on <time>March 1, 10 a.m.</time></p>"
    )


def test_only_the_text_of_a_page_is_typeset():
    page = (
        '<p title="a : b">Motif : <b>x</b> !</p><textarea name="t">a : b</textarea>'
        "<script>x = a ? b : c;</script><p>&lt;img&gt; Projet l&#x27;appel</p>"
    )

    assert html(page, "fr") == (
        f'<p title="a : b">Motif{NBSP}: <b>x</b>{NBSP}!</p><textarea name="t">a : b</textarea>'
        "<script>x = a ? b : c;</script><p>&lt;img&gt; Projet l&#x27;appel</p>"
    )


@pytest.fixture
def first_of_march_call(db):
    closes = timezone.make_aware(datetime(timezone.now().year + 1, 3, 1, 10, 0))
    return CallFactory(title="Accès aux droits : agir ensemble", closes_at=closes)


def test_a_french_page_has_non_breaking_spaces_the_first_of_the_month_and_french_hours(
    first_of_march_call,
):
    call = first_of_march_call

    response = EnglishClient(HTTP_ACCEPT_LANGUAGE="fr").get(
        reverse("public_call_detail", args=[call.pk])
    )

    text = unescape(response.content.decode())
    assert f"<h1>Accès aux droits{NBSP}: agir ensemble</h1>" in text
    assert f"1er mars {call.closes_at.year} à 10{NBSP}h{NBSP}00" in text
    assert "Accès aux droits : agir" not in text


def test_a_form_keeps_what_was_typed_as_typed(world, first_of_march_call):
    call = first_of_march_call
    client = EnglishClient(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(world.administrator)

    response = client.get(reverse("staff_call_edit", args=[call.pk]))

    assert response.status_code == 200
    assert 'value="Accès aux droits : agir ensemble"' in unescape(response.content.decode())


def test_an_english_page_reads_a_m_with_one_period(first_of_march_call):
    response = EnglishClient().get(reverse("home"))

    text = response.content.decode()
    assert "10 a.m.</time>" in text
    assert "a.m.." not in text and "a.m.</time>." not in text


def test_french_emails_are_typeset(world, on_commit):
    world.dossier(S.DRAFT, title="Guide « facile à lire »")
    with on_commit():
        dossier = world.dossier(S.SUBMITTED, title="Bus des droits : une tournée")

    [message] = [m for m in mail.outbox if dossier.reference in m.subject]
    assert f"«{NBSP}Bus des droits{NBSP}: une tournée{NBSP}»" in message.body
    [(body_html, _mimetype)] = message.alternatives
    assert f"«{NBSP}Bus des droits{NBSP}: une tournée{NBSP}»" in body_html


def test_the_letter_is_typeset_and_dated_the_first(world, monkeypatch):
    dossier = world.dossier(S.SELECTED, title="Bus des droits : une tournée")
    monkeypatch.setattr(letters, "letter_date", lambda dossier: date(2027, 3, 1))

    letter = letters.render_letter_html(dossier)

    assert "Bordeaux, le 1er mars 2027" in letter
    assert f"Objet{NBSP}:</strong>" in letter
    assert f"«{NBSP}Bus des droits{NBSP}: une tournée{NBSP}»" in letter
