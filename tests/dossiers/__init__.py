"""Helpers of the tests of building a dossier: URLs, and small real files of every
accepted type, built in memory."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

SECTIONS = ["projet", "objectifs", "quartiers", "public", "budget", "documents"]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


ZIP_DATE = (2026, 1, 1, 0, 0, 0)


def _zip(members: dict, *, mimetype_first: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # A fixed date: the same members always make the same bytes.
        if mimetype_first is not None:
            info = zipfile.ZipInfo("mimetype", date_time=ZIP_DATE)
            archive.writestr(info, mimetype_first, compress_type=zipfile.ZIP_STORED)
        for name, content in members.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            archive.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def odt(kind="text") -> bytes:
    return _zip(
        {"content.xml": "<office:document-content/>", "META-INF/manifest.xml": "<manifest/>"},
        mimetype_first=f"application/vnd.oasis.opendocument.{kind}".encode(),
    )


def ods() -> bytes:
    return odt("spreadsheet")


def docx() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": "<Types/>",
            "_rels/.rels": "<Relationships/>",
            "word/document.xml": "<w:document/>",
        }
    )


def xlsx() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": "<Types/>",
            "_rels/.rels": "<Relationships/>",
            "xl/workbook.xml": "<workbook/>",
        }
    )


def upload(name: str, content: bytes, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def edit_url(dossier, section: str) -> str:
    return reverse("dossier_edit", args=[dossier.pk, section])


def check_url(dossier) -> str:
    return reverse("dossier_check", args=[dossier.pk])


def submit_url(dossier) -> str:
    return reverse("dossier_submit", args=[dossier.pk])


def add_url(dossier) -> str:
    return reverse("dossier_attachment_add", args=[dossier.pk])


def file_url(attachment) -> str:
    return reverse("dossier_attachment", args=[attachment.application_id, attachment.pk])


def replace_url(attachment) -> str:
    return reverse("dossier_attachment_replace", args=[attachment.application_id, attachment.pk])


def delete_url(attachment) -> str:
    return reverse("dossier_attachment_delete", args=[attachment.application_id, attachment.pk])


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content)
