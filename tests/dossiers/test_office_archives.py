"""Office documents are zip archives: one whose members would unpack to more than the
limit, or that holds too many members, is refused with a message; only the archive's
central directory is read, nothing is unpacked. A very long file name gets a message."""

import io
import struct
import time
import zipfile

import pytest

from calls import services, uploads
from workflows.exceptions import InvalidTransitionData

from . import PDF, add_url, docx, edit_url, upload


@pytest.fixture
def draft(world):
    return services.create_draft(
        call=world.call, organization=world.organization, user=world.applicant, title="Projet"
    )


@pytest.fixture
def applicant_client(client, world):
    client.force_login(world.applicant)
    return client


def office_zip(extra_members: dict | None = None, *, count: int = 0) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for name, content in (extra_members or {}).items():
            archive.writestr(name, content)
        for n in range(count):
            archive.writestr(f"word/media/part{n}.xml", "")
    return buffer.getvalue()


def bomb(declared_size: int) -> bytes:
    """A small .docx whose central directory declares a member of ``declared_size``
    bytes once unpacked (as a zip bomb does)."""
    content = bytearray(office_zip({"word/big.bin": b"0" * 1000}))
    at = content.rindex(b"PK\x01\x02", 0, content.index(b"PK\x05\x06"))
    # Uncompressed size of the last central directory entry (offset 24).
    content[at + 24 : at + 28] = struct.pack("<I", min(declared_size, 0xFFFFFFFE))
    return bytes(content)


def refusal(content: bytes, name="rapport.docx") -> str:
    with pytest.raises(InvalidTransitionData) as refused:
        uploads.inspect(upload(name, content))
    return str(refused.value.message)


def test_a_normal_office_document_is_accepted():
    assert uploads.inspect(upload("rapport.docx", docx())).content_type == uploads.DOCX


def test_a_document_that_would_unpack_to_gigabytes_is_refused():
    message = refusal(bomb(4 * 1024**3 - 2))

    assert "would take" in message and "once opened" in message


def test_a_document_with_too_many_parts_is_refused_quickly():
    content = office_zip(count=uploads.MAX_ARCHIVE_ENTRIES + 1)

    started = time.perf_counter()
    message = refusal(content)
    elapsed = time.perf_counter() - started

    assert "parts" in message
    assert elapsed < 1.0


def test_the_refusal_is_shown_next_to_the_file_field(applicant_client, draft):
    response = applicant_client.post(add_url(draft), {"file": upload("bilan.docx", bomb(10**9))})

    assert response.status_code == 400
    assert "once opened" in response.content.decode()
    assert not draft.attachments.exists()


def multipart(filename: str, content: bytes) -> tuple[bytes, str]:
    """The body a browser sends for one file field, the name as typed (the test
    client would shorten it)."""
    boundary = "----tds-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("name", ["rapport-" + "tres-" * 300 + "long.pdf", "é" * 600 + ".pdf"])
def test_a_very_long_file_name_gets_a_message_on_the_form_page(applicant_client, draft, name):
    form_page = edit_url(draft, "documents")
    body, content_type = multipart(name, PDF)

    response = applicant_client.post(
        add_url(draft),
        data=body,
        content_type=content_type,
        HTTP_REFERER=f"http://testserver{form_page}",
    )

    assert response.status_code == 303
    assert response["Location"] == f"http://testserver{form_page}"
    shown = applicant_client.get(form_page).content.decode()
    assert "its file name is too long" in shown
    assert not draft.attachments.exists()


def test_a_long_but_readable_name_is_kept_shortened(applicant_client, draft):
    body, content_type = multipart("rapport-" + "long-" * 60 + ".pdf", PDF)

    response = applicant_client.post(add_url(draft), data=body, content_type=content_type)

    assert response.status_code == 302
    kept = draft.attachments.get().original_name
    assert kept.endswith(".pdf") and len(kept) <= uploads.MAX_NAME_LENGTH
