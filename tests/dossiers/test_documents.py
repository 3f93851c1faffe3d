"""Documents of a dossier: accepted from their content (not their name), 10 MB at most,
names made safe, stored under a random name and served only to those who may see the
dossier; replaced and deleted while the dossier is a draft or to be completed."""

from pathlib import Path

import pytest
from django.conf import settings

from calls import services
from calls.models import Attachment
from tests.web import other_dossier, page
from workflows.paths import attach_required_documents
from workflows.states import DossierState as S

from . import (
    ELF,
    JPEG,
    PDF,
    PNG,
    WINDOWS_EXE,
    add_url,
    delete_url,
    docx,
    downloaded,
    edit_url,
    file_url,
    ods,
    odt,
    replace_url,
    upload,
    xlsx,
)

MB = 1024 * 1024


@pytest.fixture
def draft(world):
    return services.create_draft(
        call=world.call, organization=world.organization, user=world.applicant, title="Projet"
    )


@pytest.fixture
def applicant_client(client, world):
    client.force_login(world.applicant)
    return client


def error_next_to(response, form_id="extra") -> str:
    return page(response).text(f"id_{form_id}_file_error")


def stored_path(attachment) -> Path:
    return Path(settings.MEDIA_ROOT) / attachment.file.name


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("budget.pdf", PDF, "application/pdf"),
        ("affiche.png", PNG, "image/png"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        (
            "statuts.docx",
            docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("statuts.odt", odt(), "application/vnd.oasis.opendocument.text"),
        ("budget.ods", ods(), "application/vnd.oasis.opendocument.spreadsheet"),
        (
            "budget.xlsx",
            xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_accepted_documents_are_stored_and_served_back(
    applicant_client, draft, name, content, content_type
):
    response = applicant_client.post(add_url(draft), {"file": upload(name, content, "text/html")})
    assert response.status_code == 302
    assert response["Location"] == edit_url(draft, "documents")

    attachment = Attachment.objects.get(application=draft)
    assert attachment.original_name == name
    assert attachment.content_type == content_type  # detected, not the one sent
    assert attachment.size == len(content)
    # Under a random name inside MEDIA_ROOT, not under the name the user gave.
    assert stored_path(attachment).read_bytes() == content
    assert Path(name).stem not in attachment.file.name

    listed = applicant_client.get(edit_url(draft, "documents"))
    assert name in page(listed).text("content")
    download = applicant_client.get(file_url(attachment))
    assert download.status_code == 200
    assert downloaded(download) == content
    assert download["Content-Type"] == content_type
    assert download["Content-Disposition"].startswith("attachment;")
    assert f"filename*=UTF-8''{name}" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"


def test_the_type_is_read_from_the_content_whatever_the_name(applicant_client, draft):
    response = applicant_client.post(add_url(draft), {"file": upload("scan.pdf", PNG)})
    assert response.status_code == 302
    attachment = Attachment.objects.get(application=draft)
    assert attachment.content_type == "image/png"
    assert attachment.original_name == "scan.png"


def test_a_required_document_gets_its_own_upload(applicant_client, draft, world):
    document = world.call.required_documents.get()
    before = applicant_client.get(edit_url(draft, "documents"))
    assert "The documents (to complete)" in page(before).text("content")
    response = applicant_client.post(
        add_url(draft), {"document": document.pk, "file": upload("Statuts.pdf", PDF)}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(application=draft)
    assert attachment.required_document == document
    after = applicant_client.get(edit_url(draft, "documents"))
    assert "The documents ✓ (step completed)" in page(after).text("content")
    # A second file for the same document replaces the first one.
    response = applicant_client.post(
        add_url(draft), {"document": document.pk, "file": upload("Statuts-2025.pdf", PDF)}
    )
    assert response.status_code == 302
    assert list(draft.attachments.values_list("original_name", flat=True)) == ["Statuts-2025.pdf"]


def test_a_file_over_10_mb_is_refused_next_to_its_field(applicant_client, draft):
    too_large = PDF + b"0" * (10 * MB + 1 - len(PDF))
    assert len(too_large) == 10 * MB + 1
    response = applicant_client.post(add_url(draft), {"file": upload("gros.pdf", too_large)})
    assert response.status_code == 400
    assert "too large" in error_next_to(response)
    assert "10 MB" in error_next_to(response)
    assert not Attachment.objects.filter(application=draft).exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.pdf"))

    just_right = too_large[:-1]
    response = applicant_client.post(add_url(draft), {"file": upload("juste.pdf", just_right)})
    assert response.status_code == 302
    assert Attachment.objects.get(application=draft).size == 10 * MB


@pytest.mark.parametrize("content", [ELF, WINDOWS_EXE], ids=["elf", "windows"])
def test_an_executable_renamed_pdf_is_refused(applicant_client, draft, content):
    response = applicant_client.post(
        add_url(draft), {"file": upload("facture.pdf", content, "application/pdf")}
    )
    assert response.status_code == 400
    message = error_next_to(response)
    assert "is a program, not a document" in message
    assert "PDF, JPEG, PNG, ODT, DOCX, ODS, XLSX" in message
    assert not Attachment.objects.filter(application=draft).exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.pdf", b"Just some text, not a PDF."),
        ("page.pdf", b"<html><script>alert(1)</script></html>"),
        ("archive.docx", None),  # a zip that is not an office document
        ("broken.odt", b"PK\x03\x04 not really a zip"),
    ],
)
def test_other_contents_are_refused_whatever_their_name(applicant_client, draft, name, content):
    if content is None:
        import io
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "hello")
        content = buffer.getvalue()
    response = applicant_client.post(add_url(draft), {"file": upload(name, content)})
    assert response.status_code == 400
    assert "not in an accepted format" in error_next_to(response)
    assert not Attachment.objects.filter(application=draft).exists()


def multipart(filename: str, content: bytes, boundary="----tds-boundary") -> bytes:
    """A request body as a browser would send it, the file name untouched (the test
    client would strip the path parts before sending)."""
    return (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"'
            f"\r\nContent-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\Windows\\rapport annuel.pdf", "rapport annuel.pdf"),
        ("rap\x07port\x1b[31m\tfinal.pdf", "rapport[31mfinal.pdf"),
        ("facture\u202efdp.exe", "facturefdp.exe.pdf"),
        ("<script>alert(1)</script>.pdf", "script.pdf"),
        ("Compte rendu ; été 2025 (v2).PDF", "Compte rendu ; été 2025 (v2).pdf"),
    ],
)
def test_file_names_are_sanitised(applicant_client, draft, sent, kept):
    boundary = "----tds-boundary"
    response = applicant_client.post(
        add_url(draft),
        data=multipart(sent, PDF, boundary),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 302, response.content.decode()[:500]
    attachment = Attachment.objects.get(application=draft)
    assert attachment.original_name == kept
    assert stored_path(attachment).resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    html = applicant_client.get(edit_url(draft, "documents")).content.decode()
    assert "<script>alert" not in html


def test_files_are_not_reachable_by_a_public_url(applicant_client, client, draft, world):
    applicant_client.post(add_url(draft), {"file": upload("budget.pdf", PDF)})
    attachment = Attachment.objects.get(application=draft)
    assert not settings.MEDIA_URL.strip("/")  # no media URL is served
    for url in (f"/{attachment.file.name}", f"/media/{attachment.file.name}"):
        assert client.get(url).status_code == 404


def test_other_people_get_404_on_the_file_and_the_document_forms(client, world):
    dossier = world.dossier(S.DRAFT)
    attach_required_documents(dossier, world.applicant)
    attachment = dossier.attachments.get()
    for user in (world.other_applicant, world.instructor, world.administrator):
        client.force_login(user)
        assert client.get(file_url(attachment)).status_code == 404
        assert (
            client.post(replace_url(attachment), {"file": upload("x.pdf", PDF)}).status_code == 404
        )
        assert client.post(delete_url(attachment)).status_code == 404
        assert client.post(add_url(dossier), {"file": upload("x.pdf", PDF)}).status_code == 404
    assert list(dossier.attachments.all()) == [attachment]
    client.logout()
    assert client.get(file_url(attachment)).status_code == 302  # to the login page


def test_staff_who_may_see_a_dossier_download_its_files_others_do_not(client, world):
    dossier = world.dossier(S.SUBMITTED)
    attachment = dossier.attachments.get()
    for user, status in [
        (world.instructor, 200),
        (world.administrator, 200),
        (world.other_instructor, 404),
        (world.juror, 404),
        (world.other_applicant, 404),
    ]:
        client.force_login(user)
        assert client.get(file_url(attachment)).status_code == status, user.email
    # An attachment id of another dossier, under this dossier's URL: 404.
    other = other_dossier(world, S.SUBMITTED)
    client.force_login(world.applicant)
    wrong = f"/dossiers/{dossier.pk}/documents/{other.attachments.get().pk}/"
    assert client.get(wrong).status_code == 404


@pytest.mark.parametrize("state", [S.DRAFT, S.INCOMPLETE])
def test_replace_and_delete_while_draft_or_incomplete(client, world, on_commit, state):
    dossier = world.dossier(state)
    attach_required_documents(dossier, world.applicant)
    attachment = dossier.attachments.get()
    old_path = stored_path(attachment)
    assert old_path.exists()
    client.force_login(world.applicant)

    with on_commit():
        response = client.post(
            replace_url(attachment), {"file": upload("Statuts signés.odt", odt())}
        )
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.original_name == "Statuts signés.odt"
    assert attachment.content_type == "application/vnd.oasis.opendocument.text"
    assert stored_path(attachment).read_bytes() == odt()
    assert not old_path.exists()  # the replaced file is deleted

    confirm = client.get(delete_url(attachment))
    assert confirm.status_code == 200
    assert "Statuts signés.odt" in page(confirm).text("content")
    assert dossier.attachments.exists()  # asking is not deleting
    path = stored_path(attachment)
    with on_commit():
        response = client.post(delete_url(attachment))
    assert response.status_code == 302
    assert not dossier.attachments.exists()
    assert not path.exists()


def test_a_refused_replacement_keeps_the_current_file(client, world):
    dossier = world.dossier(S.DRAFT)
    attach_required_documents(dossier, world.applicant)
    attachment = dossier.attachments.get()
    client.force_login(world.applicant)
    response = client.post(replace_url(attachment), {"file": upload("virus.pdf", ELF)})
    assert response.status_code == 400
    assert "is a program" in page(response).text(f"id_replace{attachment.pk}_file_error")
    attachment.refresh_from_db()
    assert attachment.content_type == "application/pdf"
    assert stored_path(attachment).read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("state", [S.SUBMITTED, S.ELIGIBLE])
def test_documents_cannot_change_after_submission(client, world, state):
    dossier = world.dossier(state)
    attachment = dossier.attachments.get()
    content = stored_path(attachment).read_bytes()
    client.force_login(world.applicant)
    responses = [
        client.post(replace_url(attachment), {"file": upload("autre.pdf", PDF + b"x")}),
        client.post(delete_url(attachment)),
        client.post(add_url(dossier), {"file": upload("nouveau.pdf", PDF)}),
        client.get(edit_url(dossier, "documents")),
    ]
    for response in responses:
        assert response.status_code == 409
        assert "has been submitted and can no longer be edited" in response.content.decode()
    assert list(dossier.attachments.all()) == [attachment]
    assert stored_path(attachment).read_bytes() == content
    # The applicant still downloads it.
    assert client.get(file_url(attachment)).status_code == 200
