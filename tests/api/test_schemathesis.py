"""The live schema, exercised by schemathesis in process (the WSGI application, the
test database): every operation, a few generated requests each, anonymous and with a
staff member's read token. Zero server errors, every answer as the schema says."""

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.helpers import token_for

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def keep_the_test_connection():
    """As Django's test client does: the end of a request must not close the
    connection that holds the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.skipif(
    "postgresql" in django_settings.DATABASES["default"]["ENGINE"],
    reason="on PostgreSQL the in-process requests lose the test's connection: to be fixed",
)
@pytest.mark.parametrize("auth", ["anonymous", "read_token"])
def test_every_operation_answers_as_its_schema_says(
    auth, client, world, settings, keep_the_test_connection
):
    settings.API_TOKEN_RATE_LIMIT = "100000/m/key"
    world.dossier("submitted")
    headers = {}
    if auth == "read_token":
        headers["Authorization"] = f"Bearer {token_for(world.administrator)}"
    schema = schemathesis.openapi.from_dict(client.get("/api/schema/?format=json").json())
    app = WSGIHandler()
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis_settings(
            max_examples=5,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(app=app, headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as error:  # noqa: BLE001 - every operation is reported
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
