"""The public home page, the account pages in the site layout, and what every page
gives a keyboard or screen-reader user: landmarks, a skip link, one h1, labels."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from tests.factories import CallFactory
from workflows.states import DossierState as S

from . import detail_url, page


def test_home_lists_the_calls_open_now(client, db):
    now = timezone.now()
    CallFactory(title="AMI Lien social")
    CallFactory(
        title="AMI Déjà clos", opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=1)
    )
    CallFactory(
        title="AMI Pas encore ouvert",
        opens_at=now + timedelta(days=5),
        closes_at=now + timedelta(days=30),
    )
    CallFactory(title="AMI Brouillon de la Ville", is_published=False)

    response = client.get("/")

    assert response.status_code == 200
    calls = page(response).text("calls-open")
    assert "AMI Lien social" in calls
    for hidden in ("AMI Déjà clos", "AMI Pas encore ouvert", "AMI Brouillon de la Ville"):
        assert hidden not in calls
    assert 'href="/comptes/login/"' in response.content.decode()


def test_home_leads_a_logged_in_user_to_the_dashboard(client, world):
    client.force_login(world.applicant)

    response = client.get("/")

    assert 'href="/tableau-de-bord/"' in response.content.decode()
    assert 'action="/comptes/logout/"' in response.content.decode()


def test_logging_in_leads_to_the_dashboard(client, world):
    EmailAddress.objects.create(
        user=world.applicant, email=world.applicant.email, verified=True, primary=True
    )

    response = client.post(
        "/comptes/login/", {"login": world.applicant.email, "password": "mot-de-passe-test"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/tableau-de-bord/"


def test_logging_out_is_a_button_and_leads_home(client, world):
    client.force_login(world.applicant)

    response = client.post("/comptes/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/tableau-de-bord/").status_code == 302


@pytest.mark.parametrize("url", ["/comptes/login/", "/comptes/password/reset/"])
def test_account_pages_use_the_site_layout(client, db, url):
    response = client.get(url)

    assert response.status_code == 200
    html = page(response)
    assert html.all("header") and html.all("footer") and html.all("main")
    assert len(html.all("h1")) == 1
    assert html.unlabelled_fields() == []


def pages_of_every_kind(client, world):
    dossier = world.dossier(S.AWAITING_DECISION)
    pages = {"home (anonymous)": client.get("/"), "login": client.get("/comptes/login/")}
    client.force_login(world.administrator)
    pages["dashboard"] = client.get("/tableau-de-bord/")
    pages["dossier with actions"] = client.get(detail_url(dossier))
    pages["dossier with an error"] = client.post(
        f"/dossiers/{dossier.pk}/actions/decline/", {"expected_state": S.AWAITING_DECISION}
    )
    client.force_login(world.applicant)
    incomplete = world.dossier(S.INCOMPLETE)
    pages["dossier with a completion request"] = client.get(detail_url(incomplete))
    pages["withdrawal confirmation"] = client.get(f"/dossiers/{incomplete.pk}/retirer/")
    pages["withdrawal without a reason"] = client.post(
        f"/dossiers/{incomplete.pk}/retirer/", {"expected_state": S.INCOMPLETE}
    )
    pages["dashboard with the draft form"] = client.get("/tableau-de-bord/")
    pages["dashboard with a bad filter"] = client.get("/tableau-de-bord/", {"state": "x"})
    pages["new draft"] = client.get("/dossiers/nouveau/")
    return pages


def test_every_page_is_usable_with_a_keyboard_and_a_screen_reader(client, world):
    for name, response in pages_of_every_kind(client, world).items():
        html = page(response)
        assert response.status_code in (200, 400), name
        assert len(html.all("h1")) == 1, name
        assert len(html.all("main")) == 1, name
        assert html.all("header") and html.all("nav") and html.all("footer"), name
        skip = html.all("a")[0]
        assert skip.get("href") == "#content", name
        assert any(attrs.get("id") == "content" for attrs in html.all("main")), name
        assert html.unlabelled_fields() == [], (name, html.unlabelled_fields())
        ids = [attrs["id"] for _tag, attrs in html.tags if attrs.get("id")]
        assert len(ids) == len(set(ids)), (name, sorted(i for i in ids if ids.count(i) > 1))
        assert html.all("html")[0].get("lang"), name


def test_a_field_in_error_points_to_its_message(client, world):
    dossier = world.dossier(S.AWAITING_DECISION)
    client.force_login(world.administrator)

    response = client.post(
        f"/dossiers/{dossier.pk}/actions/decline/", {"expected_state": S.AWAITING_DECISION}
    )

    reason = next(a for a in page(response).fields() if a.get("id") == "id_decline_reason")
    assert reason.get("aria-invalid") == "true"
    assert "id_decline_reason_error" in reason.get("aria-describedby", "").split()
    assert 'href="#id_decline_reason"' in response.content.decode()  # from the summary
