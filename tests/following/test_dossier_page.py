"""The dossier page as an applicant follows it: the completion request at the top,
the history in plain words, the thread with the City (with a file), and a page whose
number of SQL queries does not grow with its history."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calls.models import Message
from calls.services import post_message
from tests.web import detail_url, other_dossier, page
from workflows.paths import attach_required_documents
from workflows.services import perform
from workflows.states import DossierState as S

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 32


def write(client, dossier, body, upload=None):
    data = {"body": body}
    if upload is not None:
        data["attachment"] = upload
    return client.post(f"/dossiers/{dossier.pk}/messages/", data)


def test_the_completion_request_is_at_the_top_with_what_is_asked(client, world):
    dossier = world.dossier(
        S.INCOMPLETE, data={"request_completion": {"reason": "Joignez le budget signé 2027."}}
    )
    client.force_login(world.applicant)

    response = client.get(detail_url(dossier))

    html = page(response)
    request = html.text("completion-request")
    assert "ask you to complete the dossier" in request
    assert "Joignez le budget signé 2027." in request
    content = response.content.decode()
    # Right under the title and the state, before the dossier's details and actions.
    assert content.index('id="completion-request"') < content.index('id="details"')
    assert content.index('id="completion-request"') < content.index('id="actions"')
    # The completed dossier is sent again from the same page.
    assert "resubmit" in content


def test_the_completion_request_shows_the_latest_request_and_goes_once_answered(client, world):
    dossier = world.dossier(S.INCOMPLETE)
    perform(dossier, "resubmit", world.applicant)
    perform(dossier, "request_completion", world.instructor, reason="Le RIB est illisible.")
    client.force_login(world.applicant)

    request = page(client.get(detail_url(dossier))).text("completion-request")
    assert "Le RIB est illisible." in request
    assert "budget prévisionnel" not in request  # the first request, answered

    perform(dossier, "resubmit", world.applicant)
    assert page(client.get(detail_url(dossier))).text("completion-request") == ""


def test_the_history_says_in_plain_words_what_happened(client, world):
    dossier = world.dossier(S.INCOMPLETE)
    client.force_login(world.applicant)

    history = page(client.get(detail_url(dossier))).text("content")

    assert "Dossier submitted" in history
    assert "The City services asked for the dossier to be completed" in history
    assert "What is asked: Merci de joindre le budget prévisionnel signé." in history


@pytest.mark.parametrize(
    "name, content",
    [("budget 2027.pdf", PDF), ("photo.png", PNG), ("photo sans extension", PNG)],
)
def test_an_applicant_writes_with_a_file_and_both_sides_download_it(client, world, name, content):
    dossier = world.dossier(S.INCOMPLETE)
    client.force_login(world.applicant)

    response = write(client, dossier, "Voici la pièce demandée.", SimpleUploadedFile(name, content))

    assert response.status_code == 302
    message = Message.objects.get(application=dossier)
    assert message.attachment
    shown = client.get(detail_url(dossier)).content.decode()
    link = f"/dossiers/{dossier.pk}/messages/{message.pk}/piece-jointe/"
    assert f'href="{link}"' in shown
    assert message.attachment_name in shown
    for user in (world.applicant, world.instructor):
        client.force_login(user)
        download = client.get(link)
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == content
        assert download["Content-Disposition"].startswith("attachment;")
        assert download["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("budget.pdf", EXECUTABLE, "is a program"),
        ("notes.txt", b"simple texte\n", "not in an accepted format"),
    ],
)
def test_a_file_of_a_refused_type_is_explained_next_to_the_field(
    client, world, name, content, message
):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.applicant)

    response = write(client, dossier, "Mon message tapé.", SimpleUploadedFile(name, content))

    assert response.status_code == 400
    html = page(response)
    assert message in html.text("id_message_attachment_error")
    assert html.value("id_message_body") == "Mon message tapé."
    assert not Message.objects.exists()


def attached_message(world, dossier, author, internal=False):
    upload = SimpleUploadedFile("piece.pdf", PDF)
    from calls import uploads

    return post_message(
        dossier,
        author,
        "Pièce jointe.",
        internal=internal,
        attachment=(upload, uploads.inspect(upload)),
    )


def test_a_message_file_answers_404_to_another_organisation(client, world):
    dossier = world.dossier(S.SUBMITTED)
    message = attached_message(world, dossier, world.applicant)
    theirs = other_dossier(world, S.SUBMITTED)
    client.force_login(world.other_applicant)

    assert (
        client.get(f"/dossiers/{dossier.pk}/messages/{message.pk}/piece-jointe/").status_code == 404
    )
    # Nor through a dossier of their own.
    assert (
        client.get(f"/dossiers/{theirs.pk}/messages/{message.pk}/piece-jointe/").status_code == 404
    )


def test_the_file_of_an_internal_note_stays_among_staff(client, world):
    dossier = world.dossier(S.SUBMITTED)
    note = attached_message(world, dossier, world.instructor, internal=True)
    url = f"/dossiers/{dossier.pk}/messages/{note.pk}/piece-jointe/"

    client.force_login(world.applicant)
    assert client.get(url).status_code == 404
    client.force_login(world.administrator)
    assert client.get(url).status_code == 200


def test_a_message_without_a_file_has_no_download(client, world):
    dossier = world.dossier(S.SUBMITTED)
    message = post_message(dossier, world.applicant, "Bonjour.")
    client.force_login(world.applicant)

    assert (
        client.get(f"/dossiers/{dossier.pk}/messages/{message.pk}/piece-jointe/").status_code == 404
    )


def build_history(world, dossier, rounds):
    """Each round: a completion request and its answer (two state changes, two emails
    sent) and a message with a file: five events."""
    for _ in range(rounds):
        perform(dossier, "request_completion", world.instructor, reason="Précisez le budget.")
        attached_message(world, dossier, world.applicant)
        perform(dossier, "resubmit", world.applicant)


def page_queries(client, dossier) -> tuple[int, int]:
    """(number of SQL queries, number of events in the history) of the dossier page."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(detail_url(dossier))
    assert response.status_code == 200
    events = [a for a in page(response).all("li") if "event" in a.get("class", "").split()]
    return len(queries.captured_queries), len(events)


@pytest.mark.parametrize("role", ["applicant", "instructor", "administrator"])
def test_the_dossier_page_needs_the_same_few_queries_for_5_or_50_events(
    client, world, on_commit, role
):
    dossier = world.dossier(S.DRAFT)
    attach_required_documents(dossier, world.applicant)
    with on_commit():
        perform(dossier, "submit", world.applicant)
        build_history(world, dossier, 1)
    client.force_login(world.roles()[role])
    few, few_events = page_queries(client, dossier)
    with on_commit():
        build_history(world, dossier, 9)
    many, many_events = page_queries(client, dossier)

    assert few_events >= 5
    assert many_events >= 50
    assert few == many
    if role == "applicant":
        assert many <= 10


def test_the_name_of_a_message_file_is_made_safe(client, world):
    dossier = world.dossier(S.SUBMITTED)
    client.force_login(world.applicant)
    upload = SimpleUploadedFile("..\\..\\budget\x07 2027.pdf", PDF)

    assert write(client, dossier, "Budget joint.", upload).status_code == 302

    message = Message.objects.get(application=dossier)
    assert message.attachment_name == "budget 2027.pdf"
    assert "budget 2027.pdf" in page(client.get(detail_url(dossier))).text("content")
    download = client.get(f"/dossiers/{dossier.pk}/messages/{message.pk}/piece-jointe/")
    assert 'filename="budget 2027.pdf"' in download["Content-Disposition"]
