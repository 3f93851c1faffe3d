"""What a file is, read from its content; and the name it is kept under."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from calls import uploads
from workflows.exceptions import InvalidTransitionData

from . import ELF, JPEG, PDF, PNG, WINDOWS_EXE, docx, ods, odt, xlsx


def detected(content: bytes):
    return uploads.detect_type(io.BytesIO(content))


def test_each_accepted_type_is_recognised_from_its_first_bytes():
    assert detected(PDF) == uploads.PDF
    assert detected(PNG) == uploads.PNG
    assert detected(JPEG) == uploads.JPEG
    assert detected(docx()) == uploads.DOCX
    assert detected(xlsx()) == uploads.XLSX
    assert detected(odt()) == uploads.ODT
    assert detected(ods()) == uploads.ODS


def zipped(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        ELF,
        WINDOWS_EXE,
        b"",
        b"GIF89a",
        b" %PDF-1.4",  # the signature must come first
        zipped({"readme.txt": "hello"}),
        zipped({"mimetype": "application/epub+zip", "content.opf": "x"}),
        zipped({"mimetype": "application/vnd.oasis.opendocument.text" + "x" * 100}),
        zipped({"[Content_Types].xml": "<Types/>", "ppt/presentation.xml": "x"}),
        b"PK\x03\x04" + b"\x00" * 100,
    ],
)
def test_anything_else_is_not_recognised(content):
    assert detected(content) is None


def test_an_encrypted_zip_member_is_not_read_and_not_accepted():
    content = bytearray(zipped({"mimetype": "application/vnd.oasis.opendocument.text"}))
    # Set the "encrypted" flag of the local and central headers.
    for signature in (b"PK\x03\x04", b"PK\x01\x02"):
        at = content.index(signature)
        offset = 6 if signature == b"PK\x03\x04" else 8
        content[at + offset] |= 0x01
    assert detected(bytes(content)) is None


@pytest.mark.parametrize(
    ("name", "content_type", "kept"),
    [
        ("budget.pdf", uploads.PDF, "budget.pdf"),
        ("../../etc/passwd", uploads.PDF, "passwd.pdf"),
        ("C:\\Users\\Anne\\Bilan 2025.xlsx", uploads.XLSX, "Bilan 2025.xlsx"),
        ("rap\x00port\r\n.pdf", uploads.PDF, "rap port.pdf"),
        ("facture\u202efdp.exe", uploads.PDF, "facture fdp.exe.pdf"),
        ("photo.PNG", uploads.PNG, "photo.png"),
        ("photo.png", uploads.JPEG, "photo.jpg"),
        ("..", uploads.PDF, "document.pdf"),
        ("", uploads.PNG, "document.png"),
        (".htaccess", uploads.PDF, "htaccess.pdf"),
        ('a<b>c:d"e|f?g*.pdf', uploads.PDF, "a b c d e f g.pdf"),
        ("Compte rendu réunion.odt", uploads.ODT, "Compte rendu réunion.odt"),
    ],
)
def test_names_are_sanitised_and_keep_a_readable_form(name, content_type, kept):
    with translation.override("en"):
        assert uploads.sanitise_name(name, content_type) == kept


def test_long_names_are_shortened_keeping_the_extension():
    name = uploads.sanitise_name("x" * 400 + ".pdf", uploads.PDF)
    assert len(name) == uploads.MAX_NAME_LENGTH
    assert name.endswith("x.pdf")


def test_inspect_refuses_with_a_message_for_the_file_field():
    with translation.override("en"), pytest.raises(InvalidTransitionData) as error:
        uploads.inspect(SimpleUploadedFile("a.pdf", ELF))
    assert error.value.field == "file"
    assert "program" in str(error.value.message)


def test_download_header_names_the_file_in_utf8_with_an_ascii_fallback():
    header = uploads.content_disposition('Réunion "été" 2025.pdf')
    assert header.startswith("attachment; ")
    assert 'filename="Reunion _ete_ 2025.pdf"' in header
    assert "filename*=UTF-8''R%C3%A9union%20%22%C3%A9t%C3%A9%22%202025.pdf" in header
