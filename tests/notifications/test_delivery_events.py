"""Every delivery event the provider posts is kept; the outbox shows the worst one, so a
later "opened" never hides an earlier bounce or spam complaint; hard and soft bounces
are told apart with the provider's reason, in French on the back-office pages."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from notifications.models import DeliveryEvent
from tests.notifications import test_webhooks as hooks
from tests.notifications.test_webhooks import (
    BREVO_ID,
    BREVO_URL,
    MAILJET_ID,
    MAILJET_URL,
    auth,
    brevo_event,
    delivery,
    mailjet_event,
    post,
)

# The webhook secret and the sent emails of the webhook tests.
_webhook_secret = hooks._webhook_secret
sent_email = hooks.sent_email

LATER = 1520363423 + 3600  # an hour after the bounce, in Mailjet's seconds


@pytest.fixture
def french_admin(client, world):
    client.force_login(world.administrator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    return client


def events(email):
    return list(DeliveryEvent.objects.filter(email=email).values_list("event_type", flat=True))


def test_an_open_after_a_bounce_leaves_the_email_bounced(client, sent_email):
    email = sent_email(BREVO_ID)
    reason = "550 5.1.1 mailbox unavailable"

    post(client, BREVO_URL, brevo_event("hard_bounce", reason=reason), **auth())
    opened = brevo_event("unique_opened", ts_epoch=1520363423000 + 60_000)
    post(client, BREVO_URL, opened, **auth())

    status, at, detail = delivery(email)
    assert status == "bounced"
    assert at == datetime(2018, 3, 6, 19, 10, 23, tzinfo=UTC)
    assert "mailbox unavailable" in detail
    assert email.delivery_problem
    assert events(email) == ["bounced", "opened"]


def test_a_spam_complaint_is_not_hidden_by_later_delivered_and_opened(
    client, sent_email, french_admin
):
    email = sent_email(MAILJET_ID)

    post(client, MAILJET_URL, [mailjet_event("spam", source="JMRPP")], **auth())
    post(client, MAILJET_URL, [mailjet_event("sent", time=LATER)], **auth())
    post(client, MAILJET_URL, [mailjet_event("open", time=LATER + 60)], **auth())

    assert delivery(email)[0] == "complained"
    assert events(email) == ["complained", "delivered", "opened"]
    sent_log = french_admin.get(reverse("outbox_sent"), {"problems": "1"}).content.decode()
    assert f'id="email-{email.pk}"' in sent_log
    assert "Non distribué\u00a0:</strong> signalé comme indésirable" in sent_log


def test_a_mailjet_hard_bounce_shows_its_reason_in_french(client, sent_email, french_admin):
    email = sent_email(MAILJET_ID)
    payload = mailjet_event(
        "bounce",
        blocked=False,
        hard_bounce=True,
        error_related_to="recipient",
        error="user unknown",
        comment="Host or domain name not found.",
    )

    post(client, MAILJET_URL, [payload], **auth())

    status, _at, detail = delivery(email)
    assert status == "bounced"
    assert "recipient: user unknown" in detail
    assert "Host or domain name not found." in detail
    page = french_admin.get(reverse("outbox_detail", args=[email.pk])).content.decode()
    assert "rejet définitif" in page
    assert "recipient\u00a0: user unknown" in page
    assert 'id="delivery-events"' in page
    sent_log = french_admin.get(reverse("outbox_sent"), {"problems": "1"}).content.decode()
    assert "rejet définitif" in sent_log
    assert "Host or domain name not found." in sent_log
    dossier_page = french_admin.get(
        reverse("dossier_detail", args=[email.application_id])
    ).content.decode()
    assert "rejet définitif" in dossier_page
    assert "recipient\u00a0: user unknown" in dossier_page


def test_a_mailjet_soft_bounce_is_told_apart_and_a_hard_one_is_worse(
    client, sent_email, french_admin
):
    email = sent_email(MAILJET_ID)
    soft = mailjet_event(
        "bounce", hard_bounce=False, error_related_to="mailbox", error="quota exceeded"
    )

    post(client, MAILJET_URL, [soft], **auth())

    status, _at, detail = delivery(email)
    assert status == "bounced_soft"
    assert "mailbox: quota exceeded" in detail
    assert email.delivery_problem
    page = french_admin.get(reverse("outbox_detail", args=[email.pk])).content.decode()
    assert "rejet temporaire" in page
    assert "mailbox\u00a0: quota exceeded" in page
    sent_log = french_admin.get(reverse("outbox_sent"), {"problems": "1"}).content.decode()
    assert f'id="email-{email.pk}"' in sent_log

    hard = mailjet_event(
        "bounce", time=LATER, hard_bounce=True, error_related_to="recipient", error="user unknown"
    )
    post(client, MAILJET_URL, [hard], **auth())
    post(client, MAILJET_URL, [mailjet_event("open", time=LATER + 60)], **auth())

    assert delivery(email)[0] == "bounced"
    assert events(email) == ["bounced_soft", "bounced", "opened"]
    page = french_admin.get(reverse("outbox_detail", args=[email.pk])).content.decode()
    # Every event is listed on the email's page, with its time and reason.
    assert page.count("rejet temporaire") == 1
    assert "ouvert" in page
    assert "recipient\u00a0: user unknown" in page


def test_a_webhook_posted_twice_is_stored_once(client, sent_email):
    email = sent_email(MAILJET_ID)
    payload = [mailjet_event("bounce", hard_bounce=True, error_related_to="domain", error="x")]

    post(client, MAILJET_URL, payload, **auth())
    post(client, MAILJET_URL, payload, **auth())
    brevo = sent_email(BREVO_ID)
    post(client, BREVO_URL, brevo_event("delivered"), **auth())
    post(client, BREVO_URL, brevo_event("delivered"), **auth())

    assert events(email) == ["bounced"]
    assert events(brevo) == ["delivered"]


def test_a_delivered_email_without_problem_shows_the_latest_event_in_french(
    client, sent_email, french_admin
):
    email = sent_email(MAILJET_ID)

    post(client, MAILJET_URL, [mailjet_event("open", time=LATER)], **auth())
    post(client, MAILJET_URL, [mailjet_event("sent")], **auth())  # late, happened first

    assert delivery(email)[0] == "opened"
    assert not email.delivery_problem
    sent_log = french_admin.get(reverse("outbox_sent")).content.decode()
    assert "ouvert" in sent_log
    page = french_admin.get(reverse("outbox_detail", args=[email.pk])).content.decode()
    assert "Ce que le prestataire d’envoi a signalé" in page
    assert page.index("remis") < page.index("ouvert", page.index('id="delivery-events"'))
