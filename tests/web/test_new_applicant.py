"""A visitor who finds a call and wants to apply: the account, its verification link and
the organisation all lead back to the call they came from, where they start their
dossier. Followed link by link, with the verification email as it is sent."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Organization
from tests.conftest import EnglishClient
from tests.factories import CallFactory
from tests.web import Page, page

PASSWORD = "Solidaire-Bordeaux-2026"
EMAIL = "presidente@amis-de-la-bastide.example.org"
CONFIRM_LINK = re.compile(r"https?://\S+/comptes/confirm-email/\S+")
ORGANIZATION = {
    "name": "Les Amis de la Bastide",
    "kind": Organization.Kind.ASSOCIATION,
    "siret": "732 829 320 00074",
    "rna": "W332012345",
    "address": "12 rue de la Benauge, 33100 Bordeaux",
    "contact_email": EMAIL,
}


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def call(db):
    return CallFactory(title="AMI Accès aux droits")


def link(response, starts_with: str) -> str:
    """The one link of the page's main content whose address starts with ``starts_with``."""
    hrefs = [
        a["href"] for a in main(response).all("a") if a.get("href", "").startswith(starts_with)
    ]
    assert hrefs, f"no link to {starts_with}"
    return hrefs[0]


def main(response) -> Page:
    """The main content of the page (not the header's forms)."""
    html = response.content.decode()
    return Page(html[html.index("<main") : html.index("</main>")])


def hidden(response, name: str) -> str:
    """The value of the hidden field ``name`` of the page's main content."""
    values = [
        attrs["value"]
        for attrs in main(response).all("input")
        if attrs.get("type") == "hidden" and attrs.get("name") == name
    ]
    assert len(values) == 1, values
    return values[0]


def sign_up_from_the_call(client, call, capture):
    """Follow "Create an account to apply" on the call page and post the sign-up form as
    it is shown (with its hidden fields)."""
    call_page = client.get(reverse("public_call_detail", args=[call.pk]))
    signup_page = client.get(link(call_page, reverse("account_signup")))
    assert signup_page.status_code == 200
    with capture(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": EMAIL,
                "password1": PASSWORD,
                "password2": PASSWORD,
                "next": hidden(signup_page, "next"),
            },
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    (message,) = [message for message in mail.outbox if EMAIL in message.to]
    return message


def confirm(client, message):
    """Open the emailed link and press "Confirm" as the page shows it."""
    match = CONFIRM_LINK.search(message.body)
    assert match, message.body
    url = urlsplit(match.group(0))
    link_path = url.path + (f"?{url.query}" if url.query else "")
    confirm_page = client.get(link_path)
    assert confirm_page.status_code == 200
    data = {"next": hidden(confirm_page, "next")}
    return client.post(url.path, data)


def log_in_as_asked(client, confirmed):
    """After the verification, the login page; logging in as it asks (its hidden
    ``next`` included)."""
    assert confirmed.status_code == 302
    login_page = client.get(confirmed["Location"])
    assert login_page.status_code == 200
    return client.post(
        confirmed["Location"],
        {"login": EMAIL, "password": PASSWORD, "next": hidden(login_page, "next")},
    )


@pytest.mark.parametrize("browser", ["the same browser", "another browser"])
def test_after_the_verification_link_and_login_the_new_applicant_is_back_on_the_call(
    client, call, django_capture_on_commit_callbacks, browser
):
    message = sign_up_from_the_call(client, call, django_capture_on_commit_callbacks)
    if browser == "another browser":
        client = EnglishClient()

    logged_in = log_in_as_asked(client, confirm(client, message))

    assert EmailAddress.objects.get(email=EMAIL).verified
    call_url = reverse("public_call_detail", args=[call.pk])
    assert logged_in.status_code == 302
    assert logged_in["Location"] == call_url
    back = client.get(call_url)
    # Logged in, without an organisation: the call page says what to do next.
    assert "Create an organisation" in page(back).text("apply")
    assert "Log out" in back.content.decode()


def test_creating_the_organisation_from_the_call_page_returns_to_the_call(
    client, call, django_capture_on_commit_callbacks
):
    message = sign_up_from_the_call(client, call, django_capture_on_commit_callbacks)
    log_in_as_asked(client, confirm(client, message))
    call_url = reverse("public_call_detail", args=[call.pk])
    call_page = client.get(call_url)

    form_page = client.get(link(call_page, reverse("org_create")))
    assert form_page.status_code == 200
    created = client.post(
        reverse("org_create"), {**ORGANIZATION, "next": hidden(form_page, "next")}
    )

    assert created.status_code == 302
    assert created["Location"] == call_url
    assert (
        Organization.objects.get(name="Les Amis de la Bastide").members.filter(email=EMAIL).exists()
    )
    back = client.get(call_url)
    apply = page(back).text("apply")
    assert "was created; you are its first member" in back.content.decode()
    assert "Apply: start my dossier" in apply


def test_a_next_leading_off_the_site_is_ignored(client, db, django_user_model):
    user = django_user_model.objects.create_user(email=EMAIL, password=PASSWORD)
    client.force_login(user)

    form_page = client.get(reverse("org_create") + "?next=https://evil.example.org/")
    created = client.post(
        reverse("org_create"), {**ORGANIZATION, "next": "https://evil.example.org/"}
    )

    assert not [i for i in main(form_page).all("input") if i.get("name") == "next"]
    organization = Organization.objects.get(name="Les Amis de la Bastide")
    assert created["Location"] == reverse("org_detail", args=[organization.pk])
