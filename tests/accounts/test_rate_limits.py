"""Login limits: five wrong passwords for one address from one IP block that pair for
a few minutes; the owner, from elsewhere, still logs in; guessing spread over many IPs
is stopped per address; a password reset is never blocked by the lock and lifts it.
Password-reset emails are limited per address and per IP. The counters live in the
shared cache (the database by default): see test_rate_limits_across_processes.py."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from tests.accounts.test_signup import RESET_LINK, emailed_link
from tests.factories import UserFactory

PASSWORD = "Solidaire-Bordeaux-2026"
EMAIL = "karim@example.org"
LOCKED = "Too many failed login attempts"


@pytest.fixture
def owner(db):
    user = UserFactory(email=EMAIL, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    return user


def log_in(client, password, ip="192.0.2.10", email=EMAIL):
    return client.post("/comptes/login/", {"login": email, "password": password}, REMOTE_ADDR=ip)


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/tableau-de-bord/"


def test_five_wrong_passwords_block_the_address_from_that_ip_only(client, owner):
    for _ in range(5):
        response = log_in(client, "wrong-password", ip="198.51.100.7")
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()

    blocked = log_in(client, PASSWORD, ip="198.51.100.7")

    assert not logged_in(blocked)
    text = blocked.content.decode()
    assert LOCKED in text
    assert "Forgot your password?" in text
    # The owner, on their own connection, is not locked out by someone else's guesses.
    assert logged_in(log_in(client, PASSWORD, ip="192.0.2.10"))


def test_the_lock_message_is_french_and_points_to_the_reset(client, owner):
    for _ in range(5):
        log_in(client, "wrong-password")

    response = client.post(
        "/comptes/login/",
        {"login": EMAIL, "password": PASSWORD},
        REMOTE_ADDR="192.0.2.10",
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert "Trop de tentatives de connexion" in response.content.decode()
    assert "Mot de passe oublié" in response.content.decode()


def test_a_successful_login_does_not_reset_the_count_of_failures(client, owner):
    for _ in range(4):
        log_in(client, "wrong-password")
    assert logged_in(log_in(client, PASSWORD))
    client.logout()

    log_in(client, "wrong-password")

    assert not logged_in(log_in(client, PASSWORD))


def test_guessing_spread_over_many_ips_is_stopped_per_address(client, owner, settings):
    settings.LOGIN_FAILED_PER_ACCOUNT = "8/h/key"
    for n in range(8):
        log_in(client, "wrong-password", ip=f"203.0.113.{n + 1}")

    response = log_in(client, PASSWORD, ip="203.0.113.200")

    assert LOCKED in response.content.decode()
    # Another address is not affected.
    other = UserFactory(email="awa@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=other, email=other.email, verified=True, primary=True)
    assert logged_in(log_in(client, PASSWORD, ip="203.0.113.200", email="awa@example.org"))


def test_a_locked_out_owner_recovers_by_email(client, owner, settings, on_commit):
    settings.LOGIN_FAILED_PER_ACCOUNT = "8/h/key"
    for n in range(10):
        log_in(client, "wrong-password", ip=f"203.0.113.{n + 1}")
    assert not logged_in(log_in(client, PASSWORD))

    with on_commit():
        asked = client.post("/comptes/password/reset/", {"email": EMAIL}, REMOTE_ADDR="192.0.2.10")

    assert asked.status_code == 302
    assert [message.to for message in mail.outbox] == [[EMAIL]]
    link = emailed_link(RESET_LINK, mail.outbox[0])
    form_page = client.get(link, follow=True)
    set_password_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(
        set_password_url,
        {"password1": "Nouveau-Mot-2026", "password2": "Nouveau-Mot-2026"},
        REMOTE_ADDR="192.0.2.10",
    )
    assert done.status_code == 302
    assert logged_in(log_in(client, "Nouveau-Mot-2026"))


def test_password_reset_emails_are_limited_per_address(client, owner, on_commit):
    statuses = []
    for n in range(5):
        with on_commit():
            response = client.post(
                "/comptes/password/reset/", {"email": EMAIL}, REMOTE_ADDR=f"192.0.2.{n + 1}"
            )
        statuses.append(response.status_code)

    assert statuses == [302, 302, 302, 429, 429]
    assert len(mail.outbox) == 3


def test_password_reset_emails_are_limited_per_ip(client, db, on_commit):
    addresses = [f"personne{n}@example.org" for n in range(12)]
    for address in addresses:
        user = UserFactory(email=address)
        EmailAddress.objects.create(user=user, email=address, verified=True, primary=True)
    statuses = []
    for address in addresses:
        with on_commit():
            response = client.post(
                "/comptes/password/reset/", {"email": address}, REMOTE_ADDR="198.51.100.9"
            )
        statuses.append(response.status_code)

    assert statuses == [302] * 10 + [429] * 2
    assert len(mail.outbox) == 10


def test_the_reset_form_emails_no_address_without_an_account(client, db, on_commit):
    with on_commit():
        response = client.post("/comptes/password/reset/", {"email": "inconnu@example.org"})

    assert response.status_code == 302
    assert mail.outbox == []
