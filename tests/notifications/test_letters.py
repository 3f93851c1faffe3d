"""Decision letters: what the association reads (the letter's HTML, printed to PDF by
WeasyPrint) and who may download it."""

import re
import zlib

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import formats, timezone, translation

from config import typography
from notifications.letters import APPEAL_NOTICE, render_decision_letter, render_letter_html
from notifications.models import OutboundEmail
from tests.web import other_dossier
from workflows.services import perform
from workflows.states import DossierState as S

PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def pdf_page_count(pdf: bytes) -> int:
    """The number of page objects of a PDF (WeasyPrint compresses its objects into
    streams: look into them too)."""
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    assert pdf.rstrip().endswith(b"%%EOF")
    parts = [pdf]
    for match in STREAM.finditer(pdf):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return sum(len(PAGE_OBJECT.findall(part)) for part in parts)


def text_of(html: str) -> str:
    """The letter as a reader sees it: tags dropped, spaces collapsed."""
    text = re.sub(r"<head>.*?</head>", " ", html, flags=re.S)  # the body only
    text = re.sub(r"</?(strong|em|span|a)\b[^>]*>", "", text)  # inline: no space
    text = re.sub(r"<[^>]+>", " ", text)
    text = text.replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&")
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def french_date(day) -> str:
    with translation.override("fr"):
        return typography.french(formats.date_format(day, "j F Y"))


@pytest.fixture
def addressed(world):
    world.organization.address = "12 rue des Faures\n33800 Bordeaux"
    world.organization.save()
    return world


def test_a_grant_letter_gives_the_city_the_dossier_the_amount_and_the_means_of_appeal(addressed):
    world = addressed
    dossier = world.dossier(
        S.SELECTED,
        data={"select": {"amount": "25000", "reason": "Un projet ancré dans le quartier."}},
    )

    text = text_of(render_letter_html(dossier))

    assert text.startswith(
        "Ville de Bordeaux Bordeaux Terre de Solidarités "
        "4 rue Claude Bonnier – 33045 Bordeaux cedex"
    )
    assert "Association Les Amis du Quartier 12 rue des Faures 33800 Bordeaux" in text
    assert f"Bordeaux, le {french_date(timezone.localdate())}" in text
    assert f"décision sur le dossier {dossier.reference} — « {dossier.title} »" in text
    assert f"Appel : {world.call.title}" in text
    assert "est retenu dans le cadre de l'appel" in text
    assert "une subvention de 25 000,00 €" in text
    assert "convention d'objectifs" in text
    assert "Motivation : Un projet ancré dans le quartier." in text
    assert text.endswith(APPEAL_NOTICE)
    assert "Télérecours citoyens" in APPEAL_NOTICE
    assert "9 rue Tastet, 33000 Bordeaux" in APPEAL_NOTICE


def test_a_grant_up_to_the_threshold_needs_no_convention(world):
    dossier = world.dossier(S.SELECTED, data={"select": {"amount": "23000"}})

    text = text_of(render_letter_html(dossier))

    assert "une subvention de 23 000,00 €" in text
    assert "convention" not in text


def test_a_refusal_letter_gives_the_motivation_and_no_amount(world):
    dossier = world.dossier(
        S.NOT_SELECTED, data={"decline": {"reason": "Le budget de l'appel est épuisé."}}
    )

    text = text_of(render_letter_html(dossier))

    assert "n'a pas été retenu dans le cadre de l'appel" in text
    assert "Motivation : Le budget de l'appel est épuisé." in text
    assert "€" not in text
    assert text.endswith(APPEAL_NOTICE)


def test_an_ineligibility_letter_gives_the_reason(world):
    dossier = world.dossier(
        S.INELIGIBLE, data={"declare_ineligible": {"reason": "Le siège n'est pas à Bordeaux."}}
    )

    text = text_of(render_letter_html(dossier))

    assert "déclaré non recevable" in text
    assert "Motivation : Le siège n'est pas à Bordeaux." in text
    assert text.endswith(APPEAL_NOTICE)


def test_a_prize_letter_names_the_special_prize_and_its_amount(prize_world):
    dossier = prize_world.dossier(S.SELECTED, data={"select": {"special_prize": "1"}})

    text = text_of(render_letter_html(dossier))

    assert f"Édition : {prize_world.call.title}" in text
    assert "est valorisée au titre du" in text
    assert "prix spécial, assorti d'une subvention de 5 000,00 €" in text


def test_the_letter_escapes_what_applicants_typed(world):
    dossier = world.dossier(S.SELECTED, title="<img src=x onerror=alert(1)> Projet")

    html = render_letter_html(dossier)

    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; Projet" in html


def test_the_letter_is_a_pdf_of_one_page_or_more(world):
    dossier = world.dossier(S.SELECTED)

    pdf = render_decision_letter(dossier)

    assert pdf_page_count(pdf) >= 1


# Download, once the decision is notified.


def letter_url(dossier):
    return reverse("outbox_decision_letter", args=[dossier.pk])


def test_the_applicant_downloads_the_letter_once_the_decision_is_notified(client, world):
    dossier = world.dossier(S.SELECTED, data={"select": {"amount": "12000"}})
    client.force_login(world.applicant)

    assert client.get(letter_url(dossier)).status_code == 404  # decided, not notified

    perform(dossier, "notify", world.administrator)
    response = client.get(letter_url(dossier))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="decision-{dossier.reference}.pdf"'
    )
    assert pdf_page_count(response.content) >= 1


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("applicant", 200),
        ("administrator", 200),
        ("instructor", 200),  # instructs the call: sees the dossier
        ("governance", 404),  # the dossier went straight to decision: never consulted
        ("other_applicant", 404),
        ("other_instructor", 404),
        ("juror", 404),
    ],
)
def test_who_may_download_a_notified_letter(client, world, role, expected):
    dossier = world.dossier(S.NOTIFIED)
    client.force_login(world.roles()[role])

    assert client.get(letter_url(dossier)).status_code == expected


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    dossier = world.dossier(S.NOTIFIED)

    response = client.get(letter_url(dossier))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_another_organisations_letter_is_not_found(client, world):
    theirs = other_dossier(world, S.NOTIFIED)
    client.force_login(world.applicant)

    assert client.get(letter_url(theirs)).status_code == 404
    client.force_login(world.other_applicant)
    assert client.get(letter_url(theirs)).status_code == 200


def test_a_notified_letter_still_reports_the_decision_after_notification(world):
    dossier = world.dossier(S.SELECTED, data={"select": {"amount": "8000"}})
    perform(dossier, "notify", world.administrator)

    text = text_of(render_letter_html(dossier))

    assert dossier.state == S.NOTIFIED
    assert "une subvention de 8 000,00 €" in text


def test_only_decision_emails_carry_the_letter(world, on_commit):
    with on_commit():
        dossier = world.dossier(S.NOTIFIED)

    attachments = {message.subject: message.attachments for message in mail.outbox}
    assert len(attachments) == 3  # submitted, eligible, selected
    decision = OutboundEmail.objects.get(application=dossier, event="select")
    assert decision.attach_decision_letter
    [(name, content, mimetype)] = attachments.pop(decision.subject)
    assert (name, mimetype) == (f"decision-{dossier.reference}.pdf", "application/pdf")
    assert pdf_page_count(content) >= 1
    assert list(attachments.values()) == [[], []]
    assert not OutboundEmail.objects.filter(
        application=dossier, attach_decision_letter=True
    ).exclude(event="select")
