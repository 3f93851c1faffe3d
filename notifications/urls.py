"""URLs of this area (included by config/urls.py): the outbox pages of the
administrators, the decision letters, the email provider's tracking webhooks."""

from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailjet import MailjetTrackingWebhookView
from django.urls import path

from . import letter_views, views
from .webhooks import secured

urlpatterns = [
    path("gestion/courriers/", letter_views.letter_queue, name="letter_queue"),
    path("gestion/courriers/<id:pk>.pdf", letter_views.letter_pdf, name="letter_pdf"),
    path(
        "gestion/courriers/<id:pk>/poste/",
        letter_views.letter_mark_posted,
        name="letter_mark_posted",
    ),
    path("gestion/courriels/", views.outbox_list, name="outbox_list"),
    path("gestion/courriels/envoyer/", views.outbox_send_all, name="outbox_send_all"),
    path("gestion/courriels/envoyes/", views.outbox_sent, name="outbox_sent"),
    path("gestion/courriels/<id:pk>/", views.outbox_detail, name="outbox_detail"),
    path("gestion/courriels/<id:pk>/modifier/", views.outbox_edit, name="outbox_edit"),
    path("gestion/courriels/<id:pk>/annuler/", views.outbox_cancel, name="outbox_cancel"),
    path("gestion/courriels/<id:pk>/renvoyer/", views.outbox_resend, name="outbox_resend"),
    path(
        "gestion/courriels/renvoyer-les-echecs/",
        views.outbox_resend_all,
        name="outbox_resend_all",
    ),
    path("gestion/courriels/dossiers/<id:pk>/envoyer/", views.outbox_send, name="outbox_send"),
    path(
        "gestion/courriels/dossiers/<id:pk>/lettre.pdf",
        views.outbox_letter_preview,
        name="outbox_letter_preview",
    ),
    path(
        "dossiers/<id:pk>/lettre-de-decision.pdf",
        views.outbox_decision_letter,
        name="outbox_decision_letter",
    ),
    # Tracking webhooks (HTTP basic authentication: ANYMAIL["WEBHOOK_SECRET"]).
    path(
        "anymail/brevo/tracking/",
        secured(BrevoTrackingWebhookView.as_view()),
        name="outbox_webhook_brevo",
    ),
    path(
        "anymail/mailjet/tracking/",
        secured(MailjetTrackingWebhookView.as_view()),
        name="outbox_webhook_mailjet",
    ),
]
