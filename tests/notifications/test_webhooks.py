"""Delivery statuses from the email provider: Brevo and Mailjet post their tracking
events (the payloads of their documentation, as anymail's own tests use them) to
anymail's webhook views, protected by HTTP basic authentication; the outbox row the
provider knows by its message id gets the status, its time and the server's answer."""

import base64
import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from notifications.models import OutboundEmail
from workflows.states import DossierState as S

SECRET = "tds-webhook:7Hq2-kd93-Lm0p"
BREVO_URL = reverse("outbox_webhook_brevo")
MAILJET_URL = reverse("outbox_webhook_mailjet")
BREVO_ID = "<201803011158.9876543210@smtp-relay.mailin.fr>"
MAILJET_ID = "12345678901234567"
# 2018-03-06 19:10:23 UTC, as Brevo's ts_epoch (milliseconds) and Mailjet's time.
EVENT_TIME = datetime(2018, 3, 6, 19, 10, 23, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}


def auth(credentials=SECRET):
    token = base64.b64encode(credentials.encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def post(client, url, payload, **headers):
    return client.post(url, data=json.dumps(payload), content_type="application/json", **headers)


@pytest.fixture
def sent_email(world, on_commit):
    """A decision email sent through the provider, known to it by ``message_id``."""

    def make(message_id):
        with on_commit():
            dossier = world.dossier(S.NOTIFIED)
        email = OutboundEmail.objects.get(application=dossier, event="select")
        assert email.status == OutboundEmail.Status.SENT
        # The id the provider answered when it accepted the email (anymail's test
        # backend numbers its messages instead).
        OutboundEmail.objects.filter(pk=email.pk).update(provider_message_id=message_id)
        email.refresh_from_db()
        return email

    return make


def brevo_event(event, **extra):
    # From Brevo's transactional webhook documentation, as used by anymail's tests.
    return {
        "event": event,
        "email": "porteur@example.org",
        "id": 9999999,
        "message-id": BREVO_ID,
        "subject": "Dossier : votre projet est retenu",
        "date": "2018-03-06 11:10:23",
        "ts": 1520331023,
        "ts_event": 1520331023,
        "ts_epoch": 1520363423000,
        **extra,
    }


def mailjet_event(event, **extra):
    # From Mailjet's event API documentation, as used by anymail's tests.
    return {
        "event": event,
        "time": 1520363423,
        "MessageID": int(MAILJET_ID),
        "email": "porteur@example.org",
        "mj_campaign_id": 1234567890,
        "mj_contact_id": 9876543210,
        "customcampaign": "",
        "mj_message_id": MAILJET_ID,
        **extra,
    }


def delivery(email):
    email.refresh_from_db()
    return email.delivery_status, email.delivery_updated_at, email.delivery_detail


# Brevo.


def test_brevo_reports_a_delivered_email(client, sent_email):
    email = sent_email(BREVO_ID)

    response = post(client, BREVO_URL, brevo_event("delivered"), **auth())

    assert response.status_code == 200
    assert delivery(email) == ("delivered", EVENT_TIME, "")
    assert email.status == OutboundEmail.Status.SENT


def test_a_brevo_hard_bounce_is_flagged_for_administrators(client, world, sent_email):
    email = sent_email(BREVO_ID)
    reason = " RecipientError: 550 5.5.0 Requested action not taken: mailbox unavailable."

    response = post(client, BREVO_URL, brevo_event("hard_bounce", reason=reason), **auth())

    assert response.status_code == 200
    status, at, detail = delivery(email)
    assert (status, at) == ("bounced", EVENT_TIME)
    assert (
        detail
        == "bounced RecipientError: 550 5.5.0 Requested action not taken: mailbox unavailable."
    )
    assert email.delivery_problem
    client.force_login(world.administrator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    sent_log = client.get(reverse("outbox_sent"), {"problems": "1"}).content.decode()
    assert "Not delivered:</strong> bounced" in sent_log
    assert "mailbox unavailable" in sent_log
    outbox = client.get(reverse("outbox_list")).content.decode()
    assert "1 email did not reach its recipient" in outbox


def test_brevo_events_are_kept_in_time_order(client, sent_email):
    email = sent_email(BREVO_ID)
    opened_later = brevo_event("unique_opened", ts_epoch=1520363423000 + 60_000)

    post(client, BREVO_URL, opened_later, **auth())
    post(client, BREVO_URL, brevo_event("delivered"), **auth())  # posted late, happened first

    status, at, _detail = delivery(email)
    assert status == "opened"
    assert at == datetime(2018, 3, 6, 19, 11, 23, tzinfo=UTC)


def test_an_event_about_an_email_that_is_not_ours_changes_nothing(client, sent_email):
    email = sent_email(BREVO_ID)
    before = delivery(email)

    payload = brevo_event("delivered", **{"message-id": "<other@smtp-relay.mailin.fr>"})
    response = post(client, BREVO_URL, payload, **auth())

    assert response.status_code == 200
    assert delivery(email) == before


# Mailjet.


def test_mailjet_reports_a_delivered_email(client, sent_email):
    email = sent_email(MAILJET_ID)
    payload = [
        mailjet_event("sent", smtp_reply="sent (250 2.0.0 OK 1498093527 a67bc12345def.22 - gsmtp)")
    ]

    response = post(client, MAILJET_URL, payload, **auth())

    assert response.status_code == 200
    assert delivery(email) == (
        "delivered",
        EVENT_TIME,
        "sent (250 2.0.0 OK 1498093527 a67bc12345def.22 - gsmtp)",
    )


def test_a_mailjet_bounce_sent_as_a_bare_event_is_flagged(client, sent_email):
    email = sent_email(MAILJET_ID)
    payload = mailjet_event(
        "bounce", blocked=True, hard_bounce=True, error_related_to="domain", error="invalid domain"
    )

    response = post(client, MAILJET_URL, payload, **auth())

    assert response.status_code == 200
    assert delivery(email) == ("bounced", EVENT_TIME, "bounced domain: invalid domain")
    assert email.delivery_problem


# Authentication.


@pytest.mark.parametrize("url", [BREVO_URL, MAILJET_URL])
@pytest.mark.parametrize(
    "headers",
    [
        {},
        auth("tds-webhook:wrong-password"),
        auth("someone:7Hq2-kd93-Lm0p"),
        {"HTTP_AUTHORIZATION": "Bearer 7Hq2-kd93-Lm0p"},
    ],
    ids=["no credentials", "wrong password", "wrong user", "not basic"],
)
def test_a_webhook_without_the_right_credentials_is_rejected(client, sent_email, url, headers):
    message_id = BREVO_ID if url == BREVO_URL else MAILJET_ID
    email = sent_email(message_id)
    before = delivery(email)
    payload = (
        brevo_event("hard_bounce") if url == BREVO_URL else [mailjet_event("bounce", error="x")]
    )

    response = post(client, url, payload, **headers)

    assert response.status_code == 400  # anymail's answer to a failed validation
    assert delivery(email) == before
    assert before[0] == "sent"


def test_the_webhooks_are_closed_while_no_secret_is_configured(client, settings, sent_email):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": ""}
    email = sent_email(BREVO_ID)
    before = delivery(email)

    response = post(client, BREVO_URL, brevo_event("hard_bounce"))

    assert response.status_code == 404
    assert delivery(email) == before
