"""The API's access matrix: every endpoint of ``api/urls.py`` × every caller — each role
by its browser session, the staff by a personal token of each scope, and a revoked
and an expired token — with the status each must get. A dossier one may not see
answers 404 as on the pages; a read token reads but never acts; a token that no longer
works is refused (401) wherever it is sent, public endpoints included.

The juror assigned to a dossier who has not confirmed having no conflict of interest on
it yet (``unconfirmed_juror``, by session and by token) reads nothing of it: the gate of
the pages holds in the API (404, not listed).

Each caller is one test on a fresh world; the transition is posted last (it moves the
dossier)."""

from datetime import timedelta

import pytest
from django.urls import URLPattern, get_resolver
from django.utils import timezone

from api import services as api_services
from api.models import ApiToken
from reviews import services as review_services
from reviews.models import Decision
from tests.api.helpers import bearer, token_for
from tests.factories import UserFactory, assign_confirmed
from workflows import rules

pytestmark = pytest.mark.django_db

# The HTML pages of the tokens are in the back office's matrix
# (tests/staff/test_access_matrix.py); the catch-all answers 404 to everybody.
NOT_IN_THIS_MATRIX = {"api_tokens", "api_token_revoke", "api_not_found"}

ANONYMOUS = "anonymous"
SESSIONS = (
    "applicant",
    "other_applicant",
    "instructor",
    "other_instructor",
    "governance",
    "juror",
    "administrator",
    "unconfirmed_juror",
)
TOKENS = (
    "instructor:read",
    "instructor:read_write",
    "administrator:read",
    "administrator:read_write",
    "administrator:revoked",
    "administrator:expired",
    "unconfirmed_juror:read_write",
)
CALLERS = (ANONYMOUS, *SESSIONS, *TOKENS)
BAD_TOKENS = {"administrator:revoked", "administrator:expired"}

# Who sees the applicant's eligible dossier (its organisation's member, the call's
# instructors and the administrators; nobody else, the juror included) and the dossier
# assigned to the juror (submitted by another organisation), who confirmed having no
# conflict of interest on it; the other juror assigned to it has not confirmed yet.
SEES_OURS = {"applicant", "instructor", "administrator"}
SEES_ASSIGNED = {"other_applicant", "instructor", "juror", "administrator"}
ADMINISTRATORS = {"administrator"}


def _role(caller):
    return caller.split(":")[0]


def expected(caller, endpoint) -> int:
    """The status ``caller`` must get from ``endpoint``."""
    if caller in BAD_TOKENS:
        return 401
    role, scope = _role(caller), (caller.split(":") + [""])[1]
    public = {"api_schema", "api_docs", "api_objectives", "api_objective", "api_calls"}
    public |= {"api_call", "api_laureates", "api_observatory"}
    if endpoint in public:
        return 200
    if endpoint == "api_edition_laureates":  # an edition whose laureates are not published
        return 404
    if role == ANONYMOUS:
        return 401
    if endpoint == "api_dossiers":
        return 200
    if endpoint in {"api_dossier", "api_dossier_transitions"}:
        return 200 if role in SEES_OURS else 404
    if endpoint == "api_assigned_dossier":
        return 200 if role in SEES_ASSIGNED else 404
    if endpoint in {"api_decisions", "api_decision", "api_audit"}:
        return 200 if role in ADMINISTRATORS else 404
    if endpoint == "api_dossier_transition":  # "send for decision": the administrators'
        if role not in SEES_OURS:
            return 404
        if scope == "read":
            return 403  # a read token never acts
        return 200 if role in ADMINISTRATORS else 403
    raise AssertionError(f"no expectation for {endpoint}")


class Scene:
    def __init__(self, world, client, caller):
        self.world, self.client, self.caller = world, client, caller
        self.ours = world.dossier("eligible")
        self.assigned = world.dossier("submitted", organization=world.other_organization)
        assign_confirmed(self.assigned, world.juror, world.administrator)
        self.unconfirmed_juror = UserFactory(
            email="jure-a-confirmer@example.org", roles=[rules.JURORS]
        )
        world.jury.members.add(self.unconfirmed_juror)
        review_services.assign_juror(self.assigned, self.unconfirmed_juror, world.administrator)
        world.dossier("notified")  # a decision for the decisions' endpoints
        self.decision = Decision.objects.order_by("pk").first()
        self.headers = {}
        role = _role(caller)
        people = {"unconfirmed_juror": self.unconfirmed_juror}
        if caller in TOKENS:
            user = people.get(role) or getattr(world, role)
            scope = caller.split(":")[1]
            secret = token_for(
                user,
                scope=ApiToken.Scope.WRITE if scope == "read_write" else ApiToken.Scope.READ,
            )
            token = ApiToken.objects.filter(user=user).latest("pk")
            if scope == "revoked":
                api_services.revoke_token(user, token.pk)
            if scope == "expired":
                ApiToken.objects.filter(pk=token.pk).update(
                    expires_at=timezone.now() - timedelta(minutes=1)
                )
            self.headers = bearer(secret)
        elif role != ANONYMOUS:
            client.force_login(people.get(role) or getattr(world, role))

    def request(self, endpoint):
        ours, get = self.ours, self.client.get
        urls = {
            "api_schema": "/api/schema/",
            "api_docs": "/api/docs/",
            "api_objectives": "/api/objectives/",
            "api_objective": "/api/objectives/1/",
            "api_calls": "/api/calls/",
            "api_call": f"/api/calls/{self.world.call.pk}/",
            "api_laureates": "/api/laureates/",
            "api_edition_laureates": f"/api/laureates/{self.world.call.pk}/",
            "api_observatory": "/api/observatory/",
            "api_dossiers": "/api/dossiers/",
            "api_dossier": f"/api/dossiers/{ours.pk}/",
            "api_assigned_dossier": f"/api/dossiers/{self.assigned.pk}/",
            "api_dossier_transitions": f"/api/dossiers/{ours.pk}/transitions/",
            "api_decisions": "/api/decisions/",
            "api_decision": f"/api/decisions/{self.decision.pk}/",
            "api_audit": "/api/audit/",
        }
        if endpoint == "api_dossier_transition":
            return self.client.post(
                f"/api/dossiers/{ours.pk}/transitions/to_decision/",
                {"expected_version": ours.version},
                content_type="application/json",
                **self.headers,
            )
        return get(urls[endpoint], **self.headers)


# The transition last: it moves the dossier.
ENDPOINTS = (
    "api_schema",
    "api_docs",
    "api_objectives",
    "api_objective",
    "api_calls",
    "api_call",
    "api_laureates",
    "api_edition_laureates",
    "api_observatory",
    "api_dossiers",
    "api_dossier",
    "api_assigned_dossier",
    "api_dossier_transitions",
    "api_decisions",
    "api_decision",
    "api_audit",
    "api_dossier_transition",
)


def test_the_matrix_covers_every_endpoint():
    (api,) = [p for p in get_resolver().url_patterns if str(p.pattern) == "api/"]
    names = {p.name for p in api.url_patterns if isinstance(p, URLPattern)}
    covered = set(ENDPOINTS) | {"api_dossier"} | NOT_IN_THIS_MATRIX
    assert names - covered == set(), "add the new endpoints to the API's access matrix"


@pytest.mark.parametrize("caller", CALLERS)
def test_access(client, world, caller):
    scene = Scene(world, client, caller)
    wrong = {}
    for endpoint in ENDPOINTS:
        response = scene.request(endpoint)
        want = expected(caller, endpoint)
        if response.status_code != want:
            wrong[endpoint] = (response.status_code, want, response.content[:200])
        elif response.status_code >= 400 and endpoint not in {"api_docs"}:
            # Every refusal is a problem detail (RFC 9457).
            assert response["Content-Type"].startswith("application/problem+json"), endpoint
    assert not wrong, f"{caller}: (got, expected) {wrong}"
    if caller in SESSIONS or (caller in TOKENS and caller not in BAD_TOKENS):
        listed = {
            row["reference"]
            for row in client.get("/api/dossiers/", **scene.headers).json()["results"]
        }
        role = _role(caller)
        assert (scene.ours.reference in listed) == (role in SEES_OURS), caller
        assert (scene.assigned.reference in listed) == (role in SEES_ASSIGNED), caller
