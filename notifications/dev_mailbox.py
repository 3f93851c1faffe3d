"""The development mailbox: with ``EMAIL_PROVIDER=file`` (what ``make run`` uses) every
email sent is written as one ``.eml`` file under ``var/sent-emails/``, and the page
``/dev/courriels/`` lists them, decoded, with their links whole and clickable. Both
exist only in development (``DEBUG``): the page answers 404 otherwise."""

import datetime
import itertools
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.filebased import EmailBackend as DjangoFileBackend

BACKEND = "notifications.dev_mailbox.EmlFileBackend"
NAME = re.compile(r"^[\w.-]+\.eml$")
_counter = itertools.count()


class EmlFileBackend(DjangoFileBackend):
    """Django's file mailer, one ``.eml`` file per message (Django's writes every
    message of a connection into one log file, encoded as sent)."""

    def send_messages(self, email_messages):
        sent = 0
        for message in email_messages or []:
            if not message.recipients():
                continue
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
            path = Path(self.file_path) / f"{stamp}-{next(_counter)}.eml"
            path.write_bytes(message.message().as_bytes())
            sent += 1
        return sent


@dataclass
class DevEmail:
    name: str
    sent_at: datetime.datetime
    sender: str
    to: str
    subject: str
    text: str
    html: str
    attachments: list[str]


def folder() -> Path | None:
    """The folder of the development mailbox, or None outside development."""
    mailer = settings.MAILERS.get("default", {})
    if not settings.DEBUG or mailer.get("BACKEND") != BACKEND:
        return None
    return Path(mailer["OPTIONS"]["file_path"])


def _read(path: Path) -> DevEmail:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return DevEmail(
        name=path.name,
        sent_at=datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC),
        sender=str(message.get("From", "")),
        to=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        text=text.get_content() if text is not None else "",
        html=html.get_content() if html is not None else "",
        attachments=[part.get_filename() or "?" for part in message.iter_attachments()],
    )


def latest(limit=100) -> list[DevEmail]:
    """The newest emails first."""
    where = folder()
    if where is None or not where.is_dir():
        return []
    paths = sorted(where.glob("*.eml"), key=lambda p: p.name, reverse=True)[:limit]
    return [_read(path) for path in paths]


def one(name: str) -> DevEmail | None:
    where = folder()
    if where is None or not NAME.match(name) or not (where / name).is_file():
        return None
    return _read(where / name)
