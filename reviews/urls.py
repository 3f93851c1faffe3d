"""URLs of this area (included by config/urls.py)."""

from django.urls import path

from . import views_decisions

urlpatterns = [
    path("decisions/", views_decisions.staff_decisions, name="staff_decisions"),
]
