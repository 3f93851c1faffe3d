"""URLs of this area (included by config/urls.py): the public pages."""

from django.urls import path

from . import public_views

urlpatterns = [
    path("", public_views.home, name="home"),
    path("appels/", public_views.call_list, name="public_call_list"),
    path("appels/<id:pk>/", public_views.call_detail, name="public_call_detail"),
    path("objectifs/", public_views.objectives, name="public_objectives"),
    path("laureats/", public_views.laureates, name="public_laureates"),
    path("laureats/<id:pk>/", public_views.laureates_edition, name="public_laureates_edition"),
    path("observatoire/", public_views.observatory_page, name="public_observatory"),
    path("observatoire/chiffres.csv", public_views.observatory_csv, name="public_observatory_csv"),
    path(
        "observatoire/chiffres.json", public_views.observatory_json, name="public_observatory_json"
    ),
]
