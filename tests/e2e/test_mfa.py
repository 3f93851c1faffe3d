"""Second factor in the browser (accounts/mfa.py): a staff member is sent to
enrolment, enrols an authenticator app (the code computed by the test) and logs in
again with password and code; another enrols a security key on Chromium's virtual
authenticator (DevTools protocol) and logs in with it as a passkey, without password.
The pages are French, and checked with axe-core."""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.factories import UserFactory, enrol_totp, totp_code, verified_email
from workflows import rules

from .conftest import E2E, assert_accessible

pytestmark = [*E2E, pytest.mark.real_mfa]

PASSWORD = "mot-de-passe-test"


def log_in_with_password(page, user):
    page.goto(reverse("account_login"))
    page.locator("main input[name=login]").fill(user.email)
    page.locator("main input[type=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def reauthenticate_if_asked(page):
    """allauth asks for the password again before a factor is added."""
    if reverse("account_reauthenticate") in page.url:
        page.locator("main input[type=password]").fill(PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()


def test_staff_member_enrols_an_authenticator_app_then_logs_in_with_a_code(site):
    instructor = UserFactory(email="instructrice@example.org", roles=[rules.INSTRUCTORS])
    verified_email(instructor)
    page = site.new_page()
    log_in_with_password(page, instructor)

    # Any page but the account pages leads to enrolment, with the reason in French.
    page.goto(reverse("dashboard"))
    assert page.url.endswith(reverse("mfa_index"))
    assert "activez la double authentification" in page.locator("main").inner_text()
    assert_accessible(page)

    with page.expect_navigation():
        page.locator(f'main a[href="{reverse("mfa_activate_totp")}"]').click()
    reauthenticate_if_asked(page)
    assert page.url.endswith(reverse("mfa_activate_totp"))
    assert_accessible(page)
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("main input[name=code]").fill(totp_code(secret))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert Authenticator.objects.filter(user=instructor, type="totp").exists()
    # Recovery codes were generated with the app, and are shown.
    assert Authenticator.objects.filter(user=instructor, type="recovery_codes").exists()

    page.goto(reverse("dashboard"))
    assert page.url.endswith(reverse("dashboard"))

    # Log out, log in again: the password alone is not enough.
    with page.expect_navigation():
        page.locator("header form[action$='/logout/'] button").click()
    log_in_with_password(page, instructor)
    assert page.url.endswith(reverse("mfa_authenticate"))
    assert_accessible(page)
    page.locator("main input[name=code]").fill("000000")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.url.endswith(reverse("mfa_authenticate"))
    # The code of the next period (the one of enrolment is spent).
    page.locator("main input[name=code]").fill(totp_code(secret, step=1))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    page.goto(reverse("dashboard"))
    assert page.url.endswith(reverse("dashboard"))


def test_security_key_enrolled_then_used_as_a_passkey(site):
    administrator = UserFactory(email="administratrice@example.org", roles=[rules.ADMINISTRATORS])
    secret = enrol_totp(administrator)
    # WebAuthn takes a domain as the relying party, never an IP address: this browser
    # goes to the live server by the name localhost.
    context = site.browser.new_context(
        locale="fr-FR", base_url=site.url.replace("127.0.0.1", "localhost")
    )
    site.contexts.append(context)
    page = context.new_page()
    page.on("console", lambda message: print("console:", message.text))
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    virtual = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    log_in_with_password(page, administrator)
    page.locator("main input[name=code]").fill(totp_code(secret))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()

    page.goto(reverse("mfa_add_webauthn"))
    reauthenticate_if_asked(page)
    assert page.url.endswith(reverse("mfa_add_webauthn"))
    assert_accessible(page)
    page.locator("main input[name=name]").fill("Clé de bureau")
    page.locator("main input[name=passwordless]").check()
    with page.expect_navigation():
        page.locator("#mfa_webauthn_add").click()
    assert Authenticator.objects.filter(user=administrator, type="webauthn").count() == 1
    credentials = cdp.send(
        "WebAuthn.getCredentials", {"authenticatorId": virtual["authenticatorId"]}
    )
    assert len(credentials["credentials"]) == 1

    with page.expect_navigation():
        page.locator("header form[action$='/logout/'] button").click()
    # A passkey logs in without the password, and counts as the second factor.
    page.goto(reverse("account_login"))
    with page.expect_navigation():
        page.locator("#passkey_login").click()
    page.goto(reverse("staff_call_list"))
    assert page.url.endswith(reverse("staff_call_list"))
    assert re.search("administratrice@example.org", page.locator("header").inner_text())
