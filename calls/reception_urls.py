"""URLs of the reception pages (included under ``gestion/`` by config/urls.py)."""

from django.urls import path

from . import reception_views as views

urlpatterns = [
    path("accueil/", views.reception_home, name="reception_home"),
    path(
        "accueil/organisations/nouvelle/",
        views.organisation_create,
        name="reception_organisation_create",
    ),
    path(
        "accueil/organisations/<id:pk>/",
        views.organisation_page,
        name="reception_organisation",
    ),
    path(
        "accueil/organisations/<id:pk>/dossier/",
        views.dossier_enter,
        name="reception_enter",
    ),
    path(
        "accueil/organisations/<id:pk>/invitation/",
        views.organisation_claim,
        name="reception_claim",
    ),
]
