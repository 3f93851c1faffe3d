"""URLs of this area (included by config/urls.py)."""

from django.urls import path

from . import views_decisions, views_dossier, views_opinions

urlpatterns = [
    path("decisions/", views_decisions.staff_decisions, name="staff_decisions"),
    path("dossiers/<int:pk>/", views_dossier.staff_dossier_detail, name="staff_dossier_detail"),
    path(
        "dossiers/<int:pk>/action/<slug:transition>/",
        views_dossier.staff_dossier_transition,
        name="staff_dossier_transition",
    ),
    path(
        "dossiers/<int:pk>/consulter/",
        views_dossier.staff_dossier_consult,
        name="staff_dossier_consult",
    ),
    path(
        "dossiers/<int:pk>/messages/",
        views_dossier.staff_dossier_message,
        name="staff_dossier_message",
    ),
    path(
        "dossiers/<int:pk>/recevabilite/", views_dossier.staff_eligibility, name="staff_eligibility"
    ),
    path(
        "dossiers/<int:pk>/avis/<int:opinion_pk>/document/",
        views_dossier.staff_opinion_document,
        name="staff_opinion_document",
    ),
    path("consultations/", views_opinions.staff_consultations, name="staff_consultations"),
    path("avis/", views_opinions.staff_opinion_queue, name="staff_opinion_queue"),
    path("avis/<int:pk>/", views_opinions.staff_opinion, name="staff_opinion"),
]
