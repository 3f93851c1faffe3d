"""Personal API tokens: created and revoked by staff on their page, hashed at rest,
shown once, with an expiry, a name and a scope; rate limited."""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.utils import timezone

from api.models import ApiToken
from tests.api.helpers import bearer, token_for
from tests.factories import enrol_totp
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db


def create(client, **data):
    fields = {"name": "Export finances", "scope": "read", "lifetime": "90", **data}
    return client.post("/api/jetons/", fields)


def test_staff_with_a_second_factor_create_a_token_shown_once(client, world):
    enrol_totp(world.administrator)
    client.force_login(world.administrator)
    page = client.get("/")
    assert b'href="/api/jetons/"' in page.content  # in the menu

    response = create(client)
    assert response.status_code == 302
    page = client.get("/api/jetons/").content.decode()
    token = ApiToken.objects.get()
    secret = page.split('id="new-token-value" type="text" readonly value="')[1].split('"')[0]
    assert secret.startswith("tds_") and len(secret) > 40
    assert "shown only once" in page
    # Kept as a digest only; the page shows its start to tell tokens apart.
    assert token.key_digest != secret and secret not in str(ApiToken.objects.values().get())
    assert secret.startswith(token.hint) and token.hint in page
    assert token.name == "Export finances" and token.scope == "read"
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    # Shown once: the next visit has it no more.
    assert secret not in client.get("/api/jetons/").content.decode()
    assert AuditEvent.objects.filter(event="api.token_created", actor=world.administrator).exists()

    answer = client.get("/api/calls/", **bearer(secret))
    assert answer.status_code == 200
    assert answer.json()[0]["full"] is True
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_needs_a_name(client, world):
    enrol_totp(world.instructor)
    client.force_login(world.instructor)
    response = create(client, name="  ")
    assert response.status_code == 400
    assert "Give the token a name" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_staff_without_a_second_factor_are_told_to_enrol_one(client, world):
    client.force_login(world.juror)  # a session, but no factor enrolled
    page = client.get("/api/jetons/")
    assert "Set up two-factor authentication first" in page.content.decode()
    assert create(client).status_code == 403
    assert not ApiToken.objects.exists()


def test_applicants_have_no_tokens(client, world):
    client.force_login(world.applicant)
    assert b'href="/api/jetons/"' not in client.get("/").content
    page = client.get("/api/jetons/")
    assert "for the City&#x27;s staff accounts" in page.content.decode()
    assert create(client).status_code == 403


def test_a_revoked_token_is_refused_at_once(client, world):
    secret = token_for(world.administrator)
    client.force_login(world.administrator)
    token = ApiToken.objects.get()
    other = token_for(world.instructor)
    # Nobody revokes another's token.
    client.post(f"/api/jetons/{ApiToken.objects.get(user=world.instructor).pk}/revoquer/")
    assert client.get("/api/calls/", **bearer(other)).status_code == 200

    response = client.post(f"/api/jetons/{token.pk}/revoquer/", follow=True)
    assert "is revoked" in response.content.decode()
    client.logout()
    refused = client.get("/api/calls/", **bearer(secret))
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"
    assert refused["WWW-Authenticate"] == "Bearer"
    assert "expired or revoked" in refused.json()["detail"]
    assert AuditEvent.objects.filter(event="api.token_revoked").count() == 1


@pytest.mark.parametrize(
    "header",
    ["Bearer tds_unknown", "Bearer", "Bearer a b", "Bearer " + "x" * 500],
)
def test_a_wrong_token_is_refused_with_a_problem(client, header):
    response = client.get("/api/objectives/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_an_expired_token_is_refused(client, world):
    secret = token_for(world.administrator)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/calls/", **bearer(secret)).status_code == 401


def test_a_token_stops_working_when_its_account_loses_its_second_factor(client, world):
    secret = token_for(world.administrator)
    Authenticator.objects.filter(user=world.administrator).delete()
    response = client.get("/api/calls/", **bearer(secret))
    assert response.status_code == 401
    assert "second factor" in response.json()["detail"]


def test_tokens_are_rate_limited_in_the_shared_cache(client, world, settings):
    settings.API_TOKEN_RATE_LIMIT = "3/m/key"
    secret = token_for(world.administrator)
    other = token_for(world.instructor)
    for _ in range(3):
        assert client.get("/api/objectives/", **bearer(secret)).status_code == 200
    response = client.get("/api/objectives/", **bearer(secret))
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response.json()["code"] == "throttled"
    french = client.get("/api/objectives/", HTTP_ACCEPT_LANGUAGE="fr", **bearer(secret))
    assert french.json()["title"] == "Trop de requêtes"
    # Per token: another one is not limited by it.
    assert client.get("/api/objectives/", **bearer(other)).status_code == 200


def test_a_token_page_in_french(client, world):
    enrol_totp(world.administrator)
    client.force_login(world.administrator)
    page = client.get("/api/jetons/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Mes jetons d'API" in page
