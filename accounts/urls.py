"""URLs of this area (included by config/urls.py under ``organisations/``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.organization_list, name="org_list"),
    path("nouvelle/", views.organization_create, name="org_create"),
    path("<id:pk>/", views.organization_detail, name="org_detail"),
    path("<id:pk>/modifier/", views.organization_edit, name="org_edit"),
    path("<id:pk>/inviter/", views.organization_invite, name="org_invite"),
    path("<id:pk>/quitter/", views.organization_leave, name="org_leave"),
    path("invitation/<str:token>/", views.invitation_accept, name="org_invitation_accept"),
]
