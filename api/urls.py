"""URLs of the API (included by config/urls.py under ``api/``)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from . import admin_views, docs, laureates, observatory, token_views, views

# Ids are <id:…> (config/converters.py, registered by config/urls.py).

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", docs.SwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("objectives/", views.ObjectiveList.as_view(), name="api_objectives"),
    path("objectives/<id:number>/", views.ObjectiveDetail.as_view(), name="api_objective"),
    path("calls/", views.CallList.as_view(), name="api_calls"),
    path("calls/<id:pk>/", views.CallDetail.as_view(), name="api_call"),
    path("dossiers/", views.DossierList.as_view(), name="api_dossiers"),
    path("dossiers/<id:pk>/", views.DossierDetail.as_view(), name="api_dossier"),
    path(
        "dossiers/<id:pk>/transitions/",
        views.DossierTransitions.as_view(),
        name="api_dossier_transitions",
    ),
    re_path(
        r"^dossiers/(?P<pk>[0-9]{1,18})/transitions/(?P<transition>[a-z_]{1,40})/$",
        views.DossierTransition.as_view(),
        name="api_dossier_transition",
    ),
    path("decisions/", admin_views.DecisionList.as_view(), name="api_decisions"),
    path("decisions/<id:pk>/", admin_views.DecisionDetail.as_view(), name="api_decision"),
    path("audit/", admin_views.AuditTrail.as_view(), name="api_audit"),
    path("laureates/", laureates.LaureateList.as_view(), name="api_laureates"),
    path("laureates/<id:pk>/", laureates.EditionLaureates.as_view(), name="api_edition_laureates"),
    # Staff's personal API tokens (an HTML page of the account).
    path("jetons/", token_views.tokens, name="api_tokens"),
    path("jetons/<id:pk>/revoquer/", token_views.revoke, name="api_token_revoke"),
    path("observatory/", observatory.ObservatoryFigures.as_view(), name="api_observatory"),
    re_path(r"^.*$", views.NotFound.as_view(), name="api_not_found"),
]
