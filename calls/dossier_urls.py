"""URLs of this area (included by config/urls.py): building a dossier, its documents,
the check page and submission."""

from django.urls import path

from . import dossier_views as views

urlpatterns = [
    path(
        "dossiers/<id:pk>/modifier/<slug:section>/",
        views.dossier_edit,
        name="dossier_edit",
    ),
    path("dossiers/<id:pk>/verification/", views.dossier_check, name="dossier_check"),
    path("dossiers/<id:pk>/deposer/", views.dossier_submit, name="dossier_submit"),
    path("dossiers/<id:pk>/depose/", views.dossier_submitted, name="dossier_submitted"),
    path(
        "dossiers/<id:pk>/documents/ajouter/",
        views.dossier_attachment_add,
        name="dossier_attachment_add",
    ),
    path(
        "dossiers/<id:pk>/documents/<id:attachment_pk>/",
        views.dossier_attachment,
        name="dossier_attachment",
    ),
    path(
        "dossiers/<id:pk>/documents/<id:attachment_pk>/remplacer/",
        views.dossier_attachment_replace,
        name="dossier_attachment_replace",
    ),
    path(
        "dossiers/<id:pk>/documents/<id:attachment_pk>/supprimer/",
        views.dossier_attachment_delete,
        name="dossier_attachment_delete",
    ),
]
