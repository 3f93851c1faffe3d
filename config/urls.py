from django.contrib import admin
from django.urls import include, path, register_converter

from accounts.views import admin_login
from config import errors
from config.converters import IdConverter
from config.favicon import favicon

# Before the apps' URL modules are read (include() below imports them): their ids are
# <id:…> (config/converters.py).
register_converter(IdConverter, "id")

urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    # One login door: the admin's login page sends to the site's login (and its second
    # factor); the admin pages themselves need a staff session that passed it.
    path("admin/login/", admin_login, name="admin_login_redirect"),
    path("admin/", admin.site.urls),
    path("comptes/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Public pages (home, calls, objectives).
    path("", include("calls.public_urls")),
    # Applicants and staff: dashboard, dossier page and actions.
    path("", include("calls.urls")),
    # Applicants: building a dossier, its documents.
    path("", include("calls.dossier_urls")),
    # Prize nominations by a third party (and their staff list under gestion/).
    path("", include("calls.nomination_urls")),
    # Organisations, memberships, invitations.
    path("organisations/", include("accounts.urls")),
    # Back-office: calls; instruction, opinions, juries, decisions.
    path("gestion/", include("calls.backoffice.urls")),
    path("gestion/", include("calls.reception_urls")),
    path("gestion/", include("reviews.urls")),
    # Outbox, decision letters, email provider webhooks.
    path("", include("notifications.urls")),
    # The REST API, its OpenAPI schema and documentation.
    path("api/", include("api.urls")),
    # The development mailbox (404 unless DEBUG with EMAIL_PROVIDER=file).
    path("", include("notifications.dev_urls")),
]

# Error pages in the site's layout, each with a way back (config/errors.py).
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
