"""Error pages (400, 403, 404, 405, 500) as people meet them: in French by default, in
the site's layout (header, menu, footer), saying what happened, with a way back."""

from html import unescape

import pytest
from django.urls import reverse

from tests.conftest import EnglishClient


def french_client(**defaults):
    return EnglishClient(HTTP_ACCEPT_LANGUAGE="fr", **defaults)


def assert_site_page(response, status, heading):
    html = unescape(response.content.decode())
    assert response.status_code == status
    assert '<html lang="fr">' in html
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert f"Erreur {status}" in html
    assert heading in html
    assert f'<a href="{reverse("home")}">Page d\'accueil</a>' in html
    return html


def test_404_of_a_dossier_of_another_organisation(world):
    dossier = world.dossier("submitted")
    client = french_client()
    client.force_login(world.other_applicant)

    response = client.get(reverse("dossier_detail", args=[dossier.pk]))

    html = assert_site_page(response, 404, "Page introuvable")
    assert "pas ouverte à votre compte" in html
    assert f'href="{reverse("dashboard")}"' in html


def test_404_of_an_unknown_address_offers_to_log_in(db):
    response = french_client().get("/nulle-part/")

    html = assert_site_page(response, 404, "Page introuvable")
    assert f'href="{reverse("account_login")}"' in html


def test_405_of_a_form_address_opened_directly(world):
    dossier = world.dossier("draft")
    client = french_client()
    client.force_login(world.applicant)
    previous = "http://testserver" + reverse("dossier_detail", args=[dossier.pk])

    response = client.get(
        reverse("dossier_attachment_add", args=[dossier.pk]), HTTP_REFERER=previous
    )

    html = assert_site_page(response, 405, "Cette page ne s'ouvre pas ainsi")
    assert response["Allow"] == "POST"
    assert f'<a href="{previous}">Revenir à la page précédente</a>' in html


def test_405_never_links_back_to_another_site(world):
    dossier = world.dossier("draft")
    client = french_client()
    client.force_login(world.applicant)

    response = client.get(
        reverse("dossier_attachment_add", args=[dossier.pk]),
        HTTP_REFERER="https://ailleurs.example/piege/",
    )

    assert response.status_code == 405
    assert "ailleurs.example" not in response.content.decode()


def test_403_of_the_admin_site_for_an_applicant(world):
    client = french_client()
    client.force_login(world.applicant)

    response = client.get(reverse("admin_login_redirect"))

    assert_site_page(response, 403, "Accès refusé")


def test_403_of_a_form_sent_without_its_security_token(world):
    client = french_client(enforce_csrf_checks=True)
    client.force_login(world.applicant)

    response = client.post(reverse("org_create"), {"name": "Association"})

    html = assert_site_page(response, 403, "Accès refusé")
    assert "rechargez la page" in html


def test_400_of_a_request_for_another_host_name(db):
    response = french_client().get("/", HTTP_HOST="ailleurs.example")

    assert_site_page(response, 400, "La demande n'a pas pu être comprise")


def test_400_of_a_form_with_too_many_fields(world, settings):
    client = french_client()
    client.force_login(world.applicant)
    fields = {f"champ{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    response = client.post(reverse("org_create"), fields)

    assert_site_page(response, 400, "La demande n'a pas pu être comprise")


@pytest.mark.urls("tests.web.error_urls")
def test_500_of_a_failing_view(world):
    client = french_client(raise_request_exception=False)
    client.force_login(world.applicant)

    response = client.get("/tests/panne/")

    html = assert_site_page(response, 500, "Une erreur est survenue de notre côté")
    assert f'href="{reverse("dashboard")}"' in html


def test_error_pages_follow_the_chosen_language(db):
    response = EnglishClient().get("/nulle-part/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert '<html lang="en">' in response.content.decode()


def test_every_page_names_its_icon_and_the_site_root_serves_one(db):
    home = EnglishClient().get("/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in home

    response = EnglishClient().get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
