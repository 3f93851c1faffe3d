"""The pages of HTTP errors (400, 403, 404, 405, 500), in the site's layout and in the
visitor's language, each with a way back.

``config.urls`` names the handlers; ``ErrorPageMiddleware`` gives the same page to the
405 answers of ``require_POST`` and ``require_http_methods`` (empty bodies otherwise);
``csrf_failure`` is the 403 of a refused form (``CSRF_FAILURE_VIEW``).
"""

import logging

from django.contrib import messages
from django.core.exceptions import DisallowedHost
from django.http import (
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    HttpResponseServerError,
)
from django.http.multipartparser import MultiPartParserError
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

TITLES = {
    400: _("The request could not be understood"),
    403: _("Access refused"),
    404: _("Page not found"),
    405: _("This page cannot be used that way"),
    500: _("Something went wrong on our side"),
}


def _referrer(request):
    """The page the visitor came from, when it is a page of this site."""
    referrer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:  # the 400 of a request for another site's name
        return ""
    if referrer and url_has_allowed_host_and_scheme(
        referrer, allowed_hosts={host}, require_https=request.is_secure()
    ):
        return referrer
    return ""


def render_error(request, status, **context):
    context.update(status=status, title=TITLES[status], back_url=_referrer(request))
    template = loader.get_template(f"errors/{status}.html")
    return template.render(context, request)


def _response(request, status, headers=None, **context):
    response = HttpResponse(render_error(request, status, **context), status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def bad_request(request, exception=None):
    return _response(request, 400)


def permission_denied(request, exception=None):
    return _response(request, 403)


def page_not_found(request, exception=None):
    return _response(request, 404)


def csrf_failure(request, reason=""):
    return _response(request, 403, csrf=True)


def server_error(request):
    """The layout needs the request (menu, user); should rendering it fail too, a
    plain page in French still answers."""
    try:
        return _response(request, 500)
    except Exception:
        logger.exception("The 500 page could not be rendered in the layout")
        return HttpResponseServerError(
            '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
            "<title>Erreur du serveur</title></head><body><main><h1>Une erreur est "
            "survenue de notre côté</h1><p>Réessayez dans un instant. "
            '<a href="/">Retour à l’accueil</a></p></main></body></html>'
        )


class ErrorPageMiddleware:
    """Gives the site's 405 page (with the ``Allow`` header kept) to the empty answers
    of Django's method decorators."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and not response.content:
            return _response(request, 405, headers={"Allow": response["Allow"]})
        return response


class UnreadableUploadMiddleware:
    """A form sent with a file whose name is too long for Django's multipart parser
    (the headers of one part are limited to 1 KiB) would get the bare 400 page and lose
    the form: the visitor is sent back to the page of the form, with a message saying
    to rename the file."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.POST  # noqa: B018 (parsed here, where the error can be answered)
            except MultiPartParserError as error:
                if "header size" not in str(error):
                    raise
                return self._back_to_the_form(request)
        return self.get_response(request)

    def _back_to_the_form(self, request):
        messages.error(
            request,
            _(
                "The file could not be received: its file name is too long. Rename the "
                "file with a shorter name (200 characters at most) and send it again."
            ),
        )
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = request.path
        return _see_other(back)


def _see_other(url):
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response
