"""Security headers Django does not set itself."""

import re

from django.conf import settings
from django.http import QueryDict


class PermissionsPolicyMiddleware:
    """Adds ``Permissions-Policy`` (settings.PERMISSIONS_POLICY) to every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


# Control characters no form of the site expects: NUL (which PostgreSQL refuses in
# text), the other C0 controls and DEL. Tab, line feed and carriage return are text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _without_control_characters(data: QueryDict) -> QueryDict:
    if not any(
        CONTROL_CHARACTERS.search(key) or any(CONTROL_CHARACTERS.search(v) for v in values)
        for key, values in data.lists()
    ):
        return data
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        cleaned.setlist(
            CONTROL_CHARACTERS.sub("", key), [CONTROL_CHARACTERS.sub("", v) for v in values]
        )
    cleaned._mutable = False
    return cleaned


class ControlCharactersMiddleware:
    """Removes control characters from every field of a form and of a query string,
    whatever page reads them: a NUL byte pasted into a motivation, a comment or a search
    box never reaches the database (where it is an error on PostgreSQL) nor a page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = _without_control_characters(request.GET)
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            request.POST = _without_control_characters(request.POST)
        return self.get_response(request)


FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
