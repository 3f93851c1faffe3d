"""The development mailbox: with the file mailer (``EMAIL_PROVIDER=file``, what ``make
run`` uses), each email sent is one .eml file, and /dev/courriels/ lists them decoded,
with whole, clickable links. Outside development the page does not exist."""

from html import unescape

import pytest
from django.core import mail
from django.urls import reverse

from notifications.dev_mailbox import BACKEND
from tests.conftest import EnglishClient
from workflows.states import DossierState as S


@pytest.fixture
def file_mailer(settings, tmp_path):
    settings.DEBUG = True
    settings.MAILERS = {"default": {"BACKEND": BACKEND, "OPTIONS": {"file_path": str(tmp_path)}}}
    return tmp_path


def test_the_emails_sent_are_listed_and_read_decoded(world, on_commit, file_mailer, settings):
    with on_commit():
        dossier = world.dossier(S.SUBMITTED, title="Épicerie solidaire « itinérante »")
    assert len(list(file_mailer.glob("*.eml"))) == 1  # written by the mailer, one a message
    client = EnglishClient()

    listing = client.get(reverse("dev_mailbox"))

    assert listing.status_code == 200
    html = unescape(listing.content.decode())
    assert f"Dossier {dossier.reference}" in html
    assert world.applicant.email in html
    [name] = [path.name for path in file_mailer.glob("*.eml")]
    detail = client.get(reverse("dev_mailbox_email", args=[name]))
    text = unescape(detail.content.decode())
    assert "Épicerie solidaire" in text  # decoded, not quoted-printable
    assert "=C3=89" not in text
    url = f"{settings.SITE_URL}/dossiers/{dossier.pk}/"
    assert f'<a href="{url}"' in text  # the link to the dossier, whole and clickable


def test_a_long_link_is_whole_and_clickable(world, file_mailer):
    link = "https://solidarites.example.org/comptes/confirmer/" + "x" * 120 + "/"
    mail.send_mail("Confirmez votre adresse", f"Cliquez : {link}\n", None, ["a@example.org"])
    [name] = [path.name for path in file_mailer.glob("*.eml")]

    detail = EnglishClient().get(reverse("dev_mailbox_email", args=[name]))

    assert f'<a href="{link}"' in detail.content.decode()


def test_there_is_no_mailbox_outside_development(world, settings, tmp_path):
    settings.MAILERS = {"default": {"BACKEND": BACKEND, "OPTIONS": {"file_path": str(tmp_path)}}}
    settings.DEBUG = False

    assert EnglishClient().get(reverse("dev_mailbox")).status_code == 404


def test_there_is_no_mailbox_with_another_mailer(db, settings):
    settings.DEBUG = True  # the suite's mailer is anymail's test backend

    assert EnglishClient().get(reverse("dev_mailbox")).status_code == 404
