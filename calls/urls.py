from django.urls import path

from . import views

urlpatterns = [
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    path("dossiers/nouveau/", views.dossier_create, name="dossier_create"),
    path("dossiers/<id:pk>/", views.dossier_detail, name="dossier_detail"),
    path(
        "dossiers/<id:pk>/actions/<slug:transition>/",
        views.dossier_transition,
        name="dossier_transition",
    ),
    path("dossiers/<id:pk>/messages/", views.dossier_message, name="dossier_message"),
    path(
        "dossiers/<id:pk>/messages/<id:message_pk>/piece-jointe/",
        views.dossier_message_attachment,
        name="dossier_message_attachment",
    ),
    path("dossiers/<id:pk>/retirer/", views.dossier_withdraw, name="dossier_withdraw"),
]
