"""The development mailbox (included by config/urls.py; 404 outside development)."""

from django.urls import path

from . import dev_views

urlpatterns = [
    path("dev/courriels/", dev_views.mailbox, name="dev_mailbox"),
    path("dev/courriels/<str:name>/", dev_views.mailbox_email, name="dev_mailbox_email"),
]
