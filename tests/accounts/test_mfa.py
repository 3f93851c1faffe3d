"""Second factor for the staff roles (accounts/mfa.py): enrolment before any
back-office page, TOTP at login, recovery codes, the admin's login through the site's
login. These tests use Django's own force_login (``real_mfa``)."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.urls import reverse

from tests.factories import UserFactory, enrol_totp, totp_code, verified_email
from workflows import rules

pytestmark = [pytest.mark.django_db, pytest.mark.real_mfa]

PASSWORD = "mot-de-passe-test"
STAFF_ROLES = [rules.ADMINISTRATORS, rules.INSTRUCTORS, rules.GOVERNANCE_MEMBERS, rules.JURORS]


def log_in(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_without_second_factor_is_sent_to_enrolment(client, role):
    user = UserFactory(roles=[role])
    client.force_login(user)
    for url in (reverse("staff_call_list"), reverse("dashboard")):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0] == reverse("mfa_index")
        assert "set up two-factor authentication" in response.content.decode()


def test_superuser_without_second_factor_cannot_open_the_admin(client):
    user = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")


def test_applicant_needs_no_second_factor(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("dashboard")).status_code == 200


def test_htmx_request_is_redirected_by_htmx(client):
    client.force_login(UserFactory(roles=[rules.INSTRUCTORS]))
    response = client.get(reverse("dashboard"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("mfa_index")


# allauth records the factor on commit; the data of the migrations survive the flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_enrolment_of_an_authenticator_app_opens_the_back_office(client):
    user = UserFactory(roles=[rules.INSTRUCTORS])
    verified_email(user)
    assert log_in(client, user).status_code == 302
    assert client.get(reverse("dashboard"))["Location"] == reverse("mfa_index")

    # allauth asks for the password again before a factor is added.
    activate = reverse("mfa_activate_totp")
    response = client.get(activate)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(
        reverse("account_reauthenticate") + f"?next={activate}", {"password": PASSWORD}
    )
    assert response["Location"] == activate
    page = client.get(activate)
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200  # the form again, with its error
    assert not Authenticator.objects.filter(user=user).exists()
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("dashboard")).status_code == 200


def test_login_with_password_then_code(client):
    user = UserFactory(roles=[rules.ADMINISTRATORS])
    secret = enrol_totp(user)
    response = log_in(client, user)
    assert response["Location"] == reverse("mfa_authenticate")
    # The password alone does not log in.
    assert "_auth_user_id" not in client.session
    refused = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_recovery_code_logs_in_once(client):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    user = UserFactory(roles=[rules.JURORS])
    enrol_totp(user)
    code = RecoveryCodes.activate(user).get_unused_codes()[0]
    log_in(client, user)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    client.post(reverse("account_logout"))
    log_in(client, user)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200
    assert "_auth_user_id" not in client.session


def test_session_of_an_enrolled_staff_member_without_the_factor_is_asked_for_it(client):
    user = UserFactory(roles=[rules.INSTRUCTORS])
    secret = enrol_totp(user)
    client.force_login(user)  # e.g. a session opened before enrolment
    url = reverse("dashboard")
    response = client.get(url)
    assert response["Location"] == f"{reverse('mfa_reauthenticate')}?next={url.replace('/', '%2F')}"
    response = client.post(
        reverse("mfa_reauthenticate") + f"?next={url}", {"code": totp_code(secret)}
    )
    assert response.status_code == 302
    assert client.get(url).status_code == 200


def test_admin_login_goes_through_the_site_login(client):
    response = client.get(reverse("admin:login") + "?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")
    assert response["Location"].endswith("next=/admin/accounts/user/")
    # A password posted to the admin's login page logs no one in.
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client.post(reverse("admin:login"), {"username": superuser.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_admin_after_password_and_code(client):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    secret = enrol_totp(superuser)
    log_in(client, superuser)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.get(reverse("admin:index")).status_code == 200


def test_logged_in_applicant_is_refused_the_admin(client):
    client.force_login(UserFactory())
    assert client.get(reverse("admin:login")).status_code == 403


def test_enrolment_pages_are_in_french(client):
    user = UserFactory(roles=[rules.INSTRUCTORS])
    client.force_login(user)
    response = client.get(reverse("dashboard"), follow=True, HTTP_ACCEPT_LANGUAGE="fr")
    body = response.content.decode()
    assert "double authentification" in body
    assert "Authentification à deux facteurs" in body or "deux facteurs" in body
