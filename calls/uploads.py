"""Documents of a dossier: what a file really is, a safe name for it, and serving it.

A file is recognised from its content, never from its name: an executable renamed
``.pdf`` is refused. Files are stored under a random name in ``MEDIA_ROOT``, which no
URL serves; the download view checks the dossier's permission rules and sends the
file as a download, with the type detected at upload."""

import re
import secrets
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from urllib.parse import quote

from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from workflows.exceptions import InvalidTransitionData

MAX_UPLOAD_SIZE = 10 * 1024 * 1024  # 10 MB per file
# Office documents are zip archives: what their members would take once unpacked, and
# how many there are, as their central directory says (nothing is unpacked to check).
# Real documents of 10 MB stay far below (a large spreadsheet unpacks to ~100 MB and a
# report has some hundred parts); a zip bomb does not.
MAX_ARCHIVE_UNPACKED = 300 * 1024 * 1024
MAX_ARCHIVE_ENTRIES = 5000

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The accepted types, with the extensions a file of that type may carry (first: the
# one given to a name that has none of them).
EXTENSIONS = {
    PDF: (".pdf",),
    JPEG: (".jpg", ".jpeg"),
    PNG: (".png",),
    ODT: (".odt",),
    ODS: (".ods",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
}
ACCEPT = ",".join(ext for extensions in EXTENSIONS.values() for ext in extensions)
FORMATS_TEXT = "PDF, JPEG, PNG, ODT, DOCX, ODS, XLSX"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZIP_SIGNATURE = b"PK\x03\x04"
EXECUTABLE_SIGNATURES = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"#!")
OPENDOCUMENT_TYPES = {ODT.encode(): ODT, ODS.encode(): ODS}
# Characters never kept in a file name: path separators and those Windows refuses.
FORBIDDEN_CHARACTERS = re.compile(r'[<>:"/\\|?*]')
MAX_NAME_LENGTH = 150


@dataclass(frozen=True)
class Inspected:
    """What an upload really is: its detected type and a name safe to show and send."""

    content_type: str
    name: str
    size: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type][0]


def detect_type(fileobj) -> str | None:
    """The accepted type of a file, read from its content; ``None`` if not accepted."""
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(PNG_SIGNATURE):
        return PNG
    if head.startswith(ZIP_SIGNATURE):
        try:
            return _office_type(fileobj)
        finally:
            fileobj.seek(0)
    return None


class ArchiveRefused(Exception):
    """An office document whose archive is too large once unpacked, or has too many
    members: ``reason`` is "size" or "entries", ``figure`` the value found."""

    def __init__(self, reason: str, figure: int):
        self.reason = reason
        self.figure = figure
        super().__init__(reason, figure)


EOCD = b"PK\x05\x06"
ZIP64_LOCATOR = b"PK\x06\x07"
ZIP64_EOCD = b"PK\x06\x06"


def _declared_entries(fileobj) -> int | None:
    """The number of members the end of the archive declares (read from its last
    bytes, before the central directory itself is parsed); ``None`` if not found."""
    fileobj.seek(0, 2)
    size = fileobj.tell()
    tail_start = max(0, size - (22 + 65535 + 20))
    fileobj.seek(tail_start)
    tail = fileobj.read()
    at = tail.rfind(EOCD)
    if at < 0 or len(tail) < at + 22:
        return None
    entries = struct.unpack_from("<H", tail, at + 10)[0]
    locator = at - 20
    if entries == 0xFFFF and locator >= 0 and tail[locator : locator + 4] == ZIP64_LOCATOR:
        record_offset = struct.unpack_from("<Q", tail, locator + 8)[0]
        fileobj.seek(record_offset)
        record = fileobj.read(56)
        if len(record) == 56 and record[:4] == ZIP64_EOCD:
            entries = struct.unpack_from("<Q", record, 32)[0]
    return entries


def _check_archive(fileobj, archive=None) -> None:
    if archive is None:
        entries = _declared_entries(fileobj)
        if entries is not None and entries > MAX_ARCHIVE_ENTRIES:
            raise ArchiveRefused("entries", entries)
        return
    members = archive.infolist()
    if len(members) > MAX_ARCHIVE_ENTRIES:
        raise ArchiveRefused("entries", len(members))
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_ARCHIVE_UNPACKED:
        raise ArchiveRefused("size", unpacked)


def _office_type(fileobj) -> str | None:
    """OpenDocument (``mimetype`` member) or Office Open XML (``[Content_Types].xml``
    with ``word/`` or ``xl/`` parts). Only the archive's directory (names, sizes) and
    the few bytes of the ``mimetype`` member are read: nothing is extracted. Raises
    ``ArchiveRefused`` for an archive over the limits."""
    try:
        _check_archive(fileobj)
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as archive:
            _check_archive(fileobj, archive)
            names = archive.namelist()
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    return OPENDOCUMENT_TYPES.get(member.read(64).strip())
            if "[Content_Types].xml" in names:
                if any(name.startswith("word/") for name in names):
                    return DOCX
                if any(name.startswith("xl/") for name in names):
                    return XLSX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError):
        return None
    except (EOFError, OSError, ValueError):
        return None
    return None


def looks_executable(fileobj) -> bool:
    fileobj.seek(0)
    head = fileobj.read(4)
    fileobj.seek(0)
    return head.startswith(EXECUTABLE_SIGNATURES)


def sanitise_name(name: str, content_type: str) -> str:
    """A readable file name with no path, no control or invisible characters, and an
    extension that matches the detected type."""
    name = unicodedata.normalize("NFC", str(name or ""))
    # Keep the last part of any path, whatever the separator.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Control characters, and format characters such as right-to-left overrides that
    # could disguise an extension.
    name = "".join(
        " " if unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} else char for char in name
    )
    name = FORBIDDEN_CHARACTERS.sub(" ", name)
    name = " ".join(name.split())
    name = name.strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    extension = f".{extension.lower()}" if extension else ""
    allowed = EXTENSIONS[content_type]
    if extension not in allowed:
        known = {ext for extensions in EXTENSIONS.values() for ext in extensions}
        if extension and extension not in known:
            stem = f"{stem}.{extension[1:]}" if stem else extension[1:]
        extension = allowed[0]
    stem = stem.strip(" .")[: MAX_NAME_LENGTH - len(extension)].rstrip(" .")
    return f"{stem or _('document')}{extension}"


def inspect(upload) -> Inspected:
    """Check an uploaded file (size, type from its content) and name it safely.

    Raises ``InvalidTransitionData`` (field ``file``) with a message for the user."""
    if upload is None:
        raise InvalidTransitionData(_("Choose a file."), field="file")
    size = upload.size or 0
    if size == 0:
        raise InvalidTransitionData(_("This file is empty; choose another one."), field="file")
    if size > MAX_UPLOAD_SIZE:
        raise InvalidTransitionData(
            _(
                "This file is too large (%(size)s): each file must be 10 MB at most. "
                "Reduce it (for example by scanning at a lower resolution) and try again."
            )
            % {"size": filesizeformat(size)},
            field="file",
        )
    try:
        content_type = detect_type(upload)
    except ArchiveRefused as refused:
        raise InvalidTransitionData(_archive_message(refused), field="file") from refused
    if content_type is None:
        if looks_executable(upload):
            message = _(
                "This file is a program, not a document, whatever its name says: it was "
                "refused. Send a document in one of these formats: %(formats)s."
            )
        else:
            message = _(
                "This file is not in an accepted format (its content was checked, not its "
                "name). Send a document in one of these formats: %(formats)s."
            )
        raise InvalidTransitionData(message % {"formats": FORMATS_TEXT}, field="file")
    return Inspected(
        content_type=content_type,
        name=sanitise_name(getattr(upload, "name", ""), content_type),
        size=size,
    )


def _archive_message(refused: ArchiveRefused) -> str:
    advice = _(
        "It may be damaged, or built to overload the computers that open it. Save it "
        "again from your office software, or send it as PDF."
    )
    if refused.reason == "entries":
        return (
            _("This document is made of %(count)s parts, more than the %(limit)s allowed.")
            % {"count": refused.figure, "limit": MAX_ARCHIVE_ENTRIES}
            + " "
            + advice
        )
    return (
        _(
            "This document would take %(size)s once opened (its content is compressed), "
            "more than the %(limit)s allowed."
        )
        % {"size": filesizeformat(refused.figure), "limit": filesizeformat(MAX_ARCHIVE_UNPACKED)}
        + " "
        + advice
    )


def storage_name(inspected: Inspected) -> str:
    """A random name to store the file under (the readable name stays in the row)."""
    return f"{secrets.token_hex(16)}{inspected.extension}"


def content_disposition(name: str) -> str:
    """``attachment`` with the name in UTF-8 (RFC 6266), and a plain ASCII fallback."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fallback = re.sub(r"[^A-Za-z0-9 ._()-]", "_", fallback).strip() or "document"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def serve(attachment) -> FileResponse:
    """Send an attachment as a download, with its detected type; never shown inline."""
    if not attachment.file:
        raise Http404
    try:
        handle = attachment.file.storage.open(attachment.file.name, "rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle, content_type=attachment.content_type or "application/octet-stream"
    )
    response["Content-Disposition"] = content_disposition(attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
