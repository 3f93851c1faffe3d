"""The live schema, exercised by schemathesis against a live server of the site (on a
free port of 127.0.0.1, the test database, stopped at the end): every operation, a few
generated requests each, anonymous and with a staff member's read token. Zero server
errors, every answer as the schema says, on SQLite and on PostgreSQL."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.helpers import token_for

# serialized_rollback: the objectives loaded by a data migration survive the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.mark.parametrize("auth", ["anonymous", "read_token"])
def test_every_operation_answers_as_its_schema_says(auth, client, world, settings, live_server):
    settings.API_TOKEN_RATE_LIMIT = "100000/m/key"
    world.dossier("submitted")
    headers = {}
    if auth == "read_token":
        headers["Authorization"] = f"Bearer {token_for(world.administrator)}"
    schema = schemathesis.openapi.from_dict(client.get("/api/schema/?format=json").json())
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
            case.call_and_validate(base_url=live_server.url, headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as error:  # noqa: BLE001 - every operation is reported
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
