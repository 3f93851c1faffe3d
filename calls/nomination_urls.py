"""URLs of the nominations by a third party (included by config/urls.py): the
applicants' and partners' pages, and the staff's list of an edition's nominations
(under ``gestion/``)."""

from django.urls import path

from . import nomination_views as views

urlpatterns = [
    path("appels/<id:pk>/proposer/", views.nomination_create, name="nomination_create"),
    path("propositions/", views.nomination_list, name="nomination_list"),
    path("propositions/<id:pk>/", views.nomination_detail, name="nomination_detail"),
    path("propositions/<id:pk>/accepter/", views.nomination_accept, name="nomination_accept"),
    path("propositions/<id:pk>/decliner/", views.nomination_decline, name="nomination_decline"),
    path(
        "gestion/appels/<id:pk>/propositions/",
        views.staff_nominations,
        name="staff_nominations",
    ),
    path(
        "gestion/propositions/<id:pk>/reponse/",
        views.staff_nomination_answer,
        name="staff_nomination_answer",
    ),
    path(
        "gestion/propositions/<id:pk>/examiner/",
        views.staff_nomination_examine,
        name="staff_nomination_examine",
    ),
]
