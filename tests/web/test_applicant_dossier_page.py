"""The applicant's dossier page once the decision is notified: the decision and the
amount come first, and the page says where the decision email stands (sent on a date,
being sent, failed, refused), never "notified by email" before it has left."""

import pytest
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.formats import date_format

from notifications.delivery import deliver
from notifications.models import OutboundEmail
from reviews.models import Decision
from workflows.states import DossierState as S

from . import detail_url, page


@pytest.fixture
def notified(world):
    return world.dossier(S.NOTIFIED)


def decision_email(dossier):
    return OutboundEmail.objects.get(application=dossier, category=OutboundEmail.Category.DECISION)


def decision_panel(client, world, dossier) -> str:
    client.force_login(world.applicant)
    response = client.get(detail_url(dossier))
    assert response.status_code == 200
    return response.content.decode(), page(response).text("decision-panel")


def test_the_decision_and_its_amount_come_before_the_dossier_fields(client, world, notified):
    html, panel = decision_panel(client, world, notified)

    decision = Decision.objects.get(application=notified, is_current=True)
    assert "Selected" in panel
    assert f"{floatformat(decision.amount, '2g')} €" in panel
    assert html.index('id="decision-panel"') < html.index('id="details"')
    assert "The decision has been notified." in page_state(html)
    assert "by email" not in page_state(html)


def page_state(html: str) -> str:
    start = html.index('id="state"')
    return html[start : html.index("</div>", start)]


def test_an_email_still_in_the_outbox_is_said_to_be_being_sent(client, world, notified):
    email = decision_email(notified)
    assert email.status in (OutboundEmail.Status.PENDING, OutboundEmail.Status.HELD)

    _html, panel = decision_panel(client, world, notified)

    assert f"The decision email to {email.recipient} is being sent." in panel
    assert "was sent" not in panel


def test_a_sent_email_gives_its_recipient_and_date(client, world, notified, mailoutbox):
    email = decision_email(notified)
    OutboundEmail.objects.filter(pk=email.pk).update(status=OutboundEmail.Status.PENDING)
    assert deliver(email.pk) == OutboundEmail.Status.SENT
    email.refresh_from_db()

    _html, panel = decision_panel(client, world, notified)

    sent_on = date_format(timezone.localtime(email.sent_at), "DATETIME_FORMAT")
    assert f"The decision email was sent to {email.recipient} on {sent_on}" in panel
    assert len(mailoutbox) == 1


def test_a_failed_or_refused_email_is_said_so(client, world, notified):
    email = decision_email(notified)
    OutboundEmail.objects.filter(pk=email.pk).update(status=OutboundEmail.Status.FAILED)

    _html, panel = decision_panel(client, world, notified)
    assert f"The decision email to {email.recipient} could not be sent yet" in panel

    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.SENT, sent_at=timezone.now(), delivery_status="bounced"
    )
    _html, panel = decision_panel(client, world, notified)
    assert f"The decision email to {email.recipient} could not be delivered" in panel


def test_the_french_page_speaks_french(client, world, notified):
    client.force_login(world.applicant)
    response = client.get(detail_url(notified), headers={"accept-language": "fr"})
    panel = page(response).text("decision-panel")

    assert "Décision" in panel
    assert "est en cours d'envoi." in panel
