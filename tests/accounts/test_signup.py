"""Creating an account, verifying its address through the emailed link, logging in and
resetting a forgotten password: the account emails are French and go through the
outbox (the product's mailer, with its retries)."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from accounts.models import User
from notifications import tasks as outbox_tasks
from notifications.models import OutboundEmail
from tests.factories import UserFactory
from tests.notifications.failing_backend import BACKEND as FAILING_BACKEND
from tests.notifications.failing_backend import EmailBackend as FailingBackend
from tests.web import page

PASSWORD = "Solidaire-Bordeaux-2026"
CONFIRM_LINK = re.compile(r"https?://[^\s]+/comptes/confirm-email/[^\s/]+/")
RESET_LINK = re.compile(r"https?://[^\s]+/comptes/password/reset/key/[^\s/]+/")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts sign-ups and emails per address in the cache: every test starts
    with fresh counters."""
    cache.clear()
    yield
    cache.clear()


def sign_up(client, capture, email, password=PASSWORD, **extra):
    """Post the sign-up form as a visitor would, and run what a commit would run (the
    outbox delivery)."""
    with capture(execute=True):
        return client.post(
            "/comptes/signup/",
            {"email": email, "password1": password, "password2": password, **extra},
        )


def log_in(client, email, password=PASSWORD):
    return client.post("/comptes/login/", {"login": email, "password": password})


def logs_in(client, email, password=PASSWORD) -> bool:
    """Logging in with these credentials leads to the dashboard."""
    response = log_in(client, email, password)
    return response.status_code == 302 and response["Location"] == "/tableau-de-bord/"


def emailed_link(pattern, message) -> str:
    """The path of the link ``pattern`` finds in the email's text."""
    match = pattern.search(message.body)
    assert match, message.body
    return urlsplit(match.group(0)).path


def verify(client, message):
    """Follow the verification link of ``message`` and confirm, as the page asks."""
    link = emailed_link(CONFIRM_LINK, message)
    page_response = client.get(link)
    assert page_response.status_code == 200
    return client.post(link)


def is_logged_in(client) -> bool:
    return client.get("/tableau-de-bord/").status_code == 200


def test_the_sign_up_page_is_in_the_site_layout_with_labelled_fields(client, db):
    response = client.get("/comptes/signup/")

    assert response.status_code == 200
    html = page(response)
    assert html.all("header") and html.all("footer") and len(html.all("main")) == 1
    assert len(html.all("h1")) == 1
    assert {field["name"] for field in html.fields()} == {"email", "password1", "password2"}
    assert html.unlabelled_fields() == []


def test_signing_up_sends_a_french_verification_email_through_the_outbox(
    client, db, django_capture_on_commit_callbacks
):
    response = sign_up(client, django_capture_on_commit_callbacks, "Nadia@Example.org")

    assert response.status_code == 302
    assert response["Location"] == "/comptes/confirm-email/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nadia@example.org"]
    assert message.subject == "[Bordeaux Terre de Solidarités] Confirmez votre adresse e-mail"
    assert "Pour confirmer que cela est correct, allez sur" in message.body
    assert "Bonjour, c'est Bordeaux Terre de Solidarités" in message.body
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    row = OutboundEmail.objects.get()
    assert row.recipient == "nadia@example.org"
    assert row.event == "account_email_confirmation_signup"
    assert row.status == OutboundEmail.Status.SENT
    assert row.application is None
    assert message.extra_headers["X-Idempotency-Key"] == row.idempotency_key
    # The verification page tells the visitor what to do next.
    sent_page = page(client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Nous vous avons envoyé un e-mail pour validation" in sent_page.text("content")
    assert len(sent_page.all("h1")) == 1 and sent_page.all("footer")  # the site layout


def test_the_emailed_link_verifies_the_address_and_then_logging_in_works(
    client, db, django_capture_on_commit_callbacks
):
    sign_up(client, django_capture_on_commit_callbacks, "nadia@example.org")
    assert not is_logged_in(client)

    confirmed = verify(client, mail.outbox[0])

    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(email="nadia@example.org").verified
    response = log_in(client, "nadia@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/tableau-de-bord/"
    assert is_logged_in(client)


def test_an_unverified_address_cannot_log_in(client, db, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks, "nadia@example.org")

    response = log_in(client, "nadia@example.org")

    assert response.status_code == 302
    assert response["Location"] == "/comptes/confirm-email/"
    assert not is_logged_in(client)
    assert not EmailAddress.objects.get(email="nadia@example.org").verified


def test_a_wrong_link_verifies_nothing(client, db, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks, "nadia@example.org")
    link = emailed_link(CONFIRM_LINK, mail.outbox[0])
    forged = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]

    client.post(forged)

    assert not EmailAddress.objects.get(email="nadia@example.org").verified
    assert log_in(client, "nadia@example.org")["Location"] == "/comptes/confirm-email/"


def test_account_emails_are_french_for_a_visitor_browsing_in_english(
    client, db, django_capture_on_commit_callbacks
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Sign Up" in client.get("/comptes/signup/").content.decode()

    sign_up(client, django_capture_on_commit_callbacks, "nadia@example.org")

    assert mail.outbox[0].subject.endswith("Confirmez votre adresse e-mail")


def test_a_verification_email_survives_an_email_provider_outage(
    client, db, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": FAILING_BACKEND}}
    FailingBackend.reset(failures=1)
    try:
        sign_up(client, django_capture_on_commit_callbacks, "nadia@example.org")

        row = OutboundEmail.objects.get()
        assert row.status == OutboundEmail.Status.PENDING
        assert row.attempts == 1
        assert "refused the connection" in row.last_error
        assert mail.outbox == []

        OutboundEmail.objects.filter(pk=row.pk).update(
            next_attempt_at=timezone.now() - timedelta(seconds=1)
        )
        assert outbox_tasks.sweep() == 1
    finally:
        FailingBackend.reset()

    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT
    assert len(mail.outbox) == 1
    verify(client, mail.outbox[0])
    assert logs_in(client, "nadia@example.org")


def test_signing_up_again_with_a_taken_address_creates_no_second_account(
    client, db, django_capture_on_commit_callbacks
):
    sign_up(client, django_capture_on_commit_callbacks, "nadia@example.org")
    verify(client, mail.outbox[0])

    sign_up(client, django_capture_on_commit_callbacks, "nadia@example.org", "Autre-mot-2026")

    assert User.objects.filter(email__iexact="nadia@example.org").count() == 1
    assert not logs_in(client, "nadia@example.org", "Autre-mot-2026")
    assert logs_in(client, "nadia@example.org")


@pytest.fixture
def verified_user(db):
    user = UserFactory(email="karim@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_a_forgotten_password_is_reset_through_the_french_email(
    client, verified_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/comptes/password/reset/", {"email": "karim@example.org"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["karim@example.org"]
    assert message.subject.endswith("E-mail de réinitialisation de mot de passe")
    row = OutboundEmail.objects.get()
    assert row.event == "account_password_reset_key"
    # The one-time link went to the user; the outbox keeps no copy of it once sent.
    link = emailed_link(RESET_LINK, message)
    assert link not in row.body_text + row.body_html
    assert "Contenu effacé après l'envoi" in row.body_text

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(
        set_password_url,
        {"password1": "Nouveau-Mot-2026", "password2": "Nouveau-Mot-2026"},
    )

    assert done.status_code == 302
    assert not logs_in(client, "karim@example.org")
    assert logs_in(client, "karim@example.org", "Nouveau-Mot-2026")


def test_a_password_reset_link_works_once(
    client, verified_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/comptes/password/reset/", {"email": "karim@example.org"})
    link = emailed_link(RESET_LINK, mail.outbox[0])
    form_page = client.get(link, follow=True)
    set_password_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    client.post(
        set_password_url, {"password1": "Nouveau-Mot-2026", "password2": "Nouveau-Mot-2026"}
    )

    again = client.get(link, follow=True, HTTP_ACCEPT_LANGUAGE="fr")

    assert "Le lien de réinitialisation du mot de passe est invalide" in again.content.decode()
    assert "password1" not in {field.get("name") for field in page(again).fields()}
    assert logs_in(client, "karim@example.org", "Nouveau-Mot-2026")
