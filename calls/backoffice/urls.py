"""URLs of the back-office's call pages (included under ``gestion/`` by config/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("appels/", views.call_list, name="staff_call_list"),
    path("appels/nouveau/", views.call_create, name="staff_call_create"),
    path("appels/<id:pk>/", views.call_detail, name="staff_call_detail"),
    path("appels/<id:pk>/modifier/", views.call_edit, name="staff_call_edit"),
    path("appels/<id:pk>/publier/", views.call_publish, name="staff_call_publish"),
    path("appels/<id:pk>/cloturer/", views.call_close, name="staff_call_close"),
    path("appels/<id:pk>/nouvelle-edition/", views.call_clone, name="staff_call_clone"),
]
