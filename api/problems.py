"""Errors of the API as problem details (RFC 9457, ``application/problem+json``).

Every error the API answers has the same shape: ``type`` (a URN naming the kind of
problem), ``title`` (the kind in words), ``status``, ``detail`` (what happened, for a
person), ``instance`` (the path asked) and ``code`` (stable, for programs); a refused
input adds ``errors``, one entry per field. Titles and details are in the language of
the request (``Accept-Language``, French by default), as on the pages.

A dossier or a call the caller may not see answers 404 like the pages (ids leak
nothing); the transition service's typed errors keep their message.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from workflows.exceptions import (
    ConditionNotMet,
    InvalidSourceState,
    InvalidTransitionData,
    StaleDossier,
    TransitionError,
    TransitionNotPermitted,
    UnknownTransition,
)

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:terre-de-solidarites:problem:"


def titles() -> dict:
    """The title of each status, in the active language."""
    return {
        400: _("Invalid request"),
        401: _("Authentication required"),
        403: _("Forbidden"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict"),
        415: _("Unsupported media type"),
        422: _("Action refused"),
        429: _("Too many requests"),
        500: _("Server error"),
    }


# The transition service's errors: (status, code of the problem).
TRANSITION_STATUS = {
    StaleDossier: status.HTTP_409_CONFLICT,
    InvalidSourceState: status.HTTP_409_CONFLICT,
    TransitionNotPermitted: status.HTTP_403_FORBIDDEN,
    UnknownTransition: status.HTTP_404_NOT_FOUND,
    ConditionNotMet: status.HTTP_422_UNPROCESSABLE_ENTITY,
    InvalidTransitionData: status.HTTP_422_UNPROCESSABLE_ENTITY,
}


class Problem(exceptions.APIException):
    """An error of the API with its own status, code and message."""

    def __init__(self, status_code: int, code: str, detail, errors=None):
        self.status_code = status_code
        self.problem_code = code
        self.errors = errors
        super().__init__(detail=detail, code=code)


def transition_problem(error: TransitionError, field_name=None) -> Problem:
    status_code = next(
        (code for kind, code in TRANSITION_STATUS.items() if isinstance(error, kind)),
        status.HTTP_422_UNPROCESSABLE_ENTITY,
    )
    errors = None
    if error.field or field_name:
        errors = [{"field": error.field or field_name, "message": str(error.message)}]
    return Problem(status_code, error.code, str(error.message), errors)


def problem_response(request, status_code: int, code: str, detail, errors=None, headers=None):
    body = {
        "type": f"{TYPE_PREFIX}{code}",
        "title": str(titles().get(status_code, _("Error"))),
        "status": status_code,
        "detail": str(detail),
        "instance": request.path if request is not None else "",
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, headers=headers, content_type=CONTENT_TYPE)


def _field_errors(detail, prefix="") -> list[dict]:
    """A serializer's nested errors, flattened to ``[{"field", "message"}]``."""
    found = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            found += _field_errors(value, f"{prefix}.{name}" if prefix and name else prefix or name)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list) and not isinstance(value, str):
                found += _field_errors(value, f"{prefix}[{index}]" if prefix else str(index))
            else:
                found.append({"field": prefix, "message": str(value)})
    else:
        found.append({"field": prefix, "message": str(detail)})
    return found


def exception_handler(exc, context):
    """DRF's exception handler: every error answered as a problem."""
    request = context.get("request")
    if isinstance(exc, TransitionError):
        exc = transition_problem(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a programming error: Django's 500

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    set_rollback()

    if isinstance(exc, Problem):
        code, detail, errors = exc.problem_code, exc.detail, exc.errors
    elif isinstance(exc, exceptions.ValidationError):
        code, errors = "invalid", _field_errors(exc.detail)
        detail = _("The request holds invalid values: see errors.")
    else:
        code = exc.default_code
        detail, errors = exc.detail, None
        if isinstance(exc, exceptions.NotFound):
            detail = _("Nothing here, or nothing you may see.")
        elif isinstance(exc, exceptions.NotAuthenticated):
            detail = _("Send a personal API token (Authorization: Bearer <token>) or log in.")
        elif isinstance(exc, exceptions.Throttled):
            detail = _("Too many requests with this token: try again in %(seconds)s seconds.") % {
                "seconds": int(exc.wait or 1)
            }
    if isinstance(detail, list | dict):
        errors = errors or _field_errors(detail)
        detail = errors[0]["message"] if errors else ""
    return problem_response(request, exc.status_code, code, detail, errors, headers)


# The schema: every operation documents its errors as problems.

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "A problem detail (RFC 9457).",
    "properties": {
        "type": {"type": "string", "description": "URN naming the kind of problem."},
        "title": {"type": "string", "description": "The kind of problem, in words."},
        "status": {"type": "integer", "description": "The HTTP status."},
        "detail": {"type": "string", "description": "What happened, for a person."},
        "instance": {"type": "string", "description": "The path asked."},
        "code": {"type": "string", "description": "Stable code of the problem, for programs."},
        "errors": {
            "type": "array",
            "description": "The refused fields, one entry each.",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail", "instance", "code"],
}


def document_problems(result, generator, request, public):
    """drf-spectacular post-processing hook: the ``Problem`` component, and every
    operation's errors (``default`` response) described as problems."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, response in operation["responses"].items():
                if code.isdigit() and int(code) >= 400 and "content" not in response:
                    response["content"] = {CONTENT_TYPE: {"schema": reference}}
            operation["responses"]["default"] = {
                "description": "An error, as a problem detail (RFC 9457).",
                "content": {CONTENT_TYPE: {"schema": reference}},
            }
    return result
