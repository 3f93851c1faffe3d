"""Withdrawing a dossier takes two steps: a page that asks why and whether the
applicant is sure, then the withdrawal; a missing reason is explained next to the
field and nothing typed is lost."""

from tests.web import detail_url, other_dossier, page
from workflows.models import TransitionLog
from workflows.services import perform
from workflows.states import DossierState as S


def withdraw_url(dossier) -> str:
    return f"/dossiers/{dossier.pk}/retirer/"


def test_the_dossier_page_leads_to_a_confirmation_page(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.applicant)

    shown = client.get(detail_url(dossier))
    assert f'href="{withdraw_url(dossier)}"' in shown.content.decode()

    confirmation = client.get(withdraw_url(dossier))

    assert confirmation.status_code == 200
    html = page(confirmation)
    assert f"Withdraw the dossier {dossier.reference}?" in html.text("content")
    assert len(html.all("h1")) == 1
    assert "Withdrawing is final" in html.text("content")
    assert html.value("id_withdraw_reason") == ""
    assert html.value("id_withdraw_expected_state") == S.SUBMITTED
    assert html.unlabelled_fields() == []
    dossier.refresh_from_db()
    assert dossier.state == S.SUBMITTED  # showing the page changes nothing


def test_withdrawing_without_a_reason_is_explained_next_to_the_field(client, world):
    dossier = world.dossier(S.INCOMPLETE)
    client.force_login(world.applicant)

    response = client.post(withdraw_url(dossier), {"expected_state": S.INCOMPLETE, "reason": " "})

    assert response.status_code == 400
    html = page(response)
    assert "Tell the City why you withdraw the dossier." in html.text("id_withdraw_reason_error")
    assert 'href="#id_withdraw_reason"' in response.content.decode()  # from the summary
    dossier.refresh_from_db()
    assert dossier.state == S.INCOMPLETE


def test_withdrawing_with_a_reason_withdraws_the_dossier(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.applicant)

    response = client.post(
        withdraw_url(dossier),
        {"expected_state": S.SUBMITTED, "reason": "Le projet est reporté à 2028."},
    )

    assert response.status_code == 302
    assert response["Location"] == detail_url(dossier)
    dossier.refresh_from_db()
    assert dossier.state == S.WITHDRAWN
    log = TransitionLog.objects.get(application=dossier, transition="withdraw")
    assert log.reason == "Le projet est reporté à 2028."
    followed = page(client.get(response["Location"]))
    assert "is withdrawn" in followed.text("content")
    assert "Le projet est reporté à 2028." in followed.text("content")


def test_a_page_shown_before_the_dossier_changed_is_refused_and_keeps_the_reason(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.applicant)
    shown = page(client.get(withdraw_url(dossier))).value("id_withdraw_expected_state")
    perform(dossier, "request_completion", world.instructor, reason="Ajoutez le RIB.")

    response = client.post(
        withdraw_url(dossier), {"expected_state": shown, "reason": "Nous renonçons."}
    )

    assert response.status_code == 409
    html = page(response)
    assert "changed meanwhile" in html.text("error")
    assert html.value("id_withdraw_reason") == "Nous renonçons."
    assert html.value("id_withdraw_expected_state") == S.INCOMPLETE
    dossier.refresh_from_db()
    assert dossier.state == S.INCOMPLETE


def test_a_dossier_that_cannot_be_withdrawn_leads_back_to_its_page(client, world):
    dossier = world.dossier(S.ELIGIBLE)
    client.force_login(world.applicant)

    for response in (
        client.get(withdraw_url(dossier)),
        client.post(withdraw_url(dossier), {"expected_state": S.ELIGIBLE, "reason": "Non."}),
    ):
        assert response.status_code == 302
        assert response["Location"] == detail_url(dossier)
    dossier.refresh_from_db()
    assert dossier.state == S.ELIGIBLE


def test_staff_and_other_organisations_cannot_withdraw(client, world):
    dossier = world.dossier(S.SUBMITTED)
    theirs = other_dossier(world, S.SUBMITTED)
    client.force_login(world.applicant)
    assert client.get(withdraw_url(theirs)).status_code == 404
    assert (
        client.post(withdraw_url(theirs), {"expected_state": S.SUBMITTED, "reason": "x"})
    ).status_code == 404

    client.force_login(world.instructor)
    response = client.post(withdraw_url(dossier), {"expected_state": S.SUBMITTED, "reason": "x"})
    assert response.status_code == 302
    for each in (dossier, theirs):
        each.refresh_from_db()
        assert each.state == S.SUBMITTED
