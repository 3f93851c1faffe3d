"""Helpers of the web tests: read a page the way a user (or a screen reader) does."""

import re
from html.parser import HTMLParser

from django.urls import reverse

DOSSIER_LINK = re.compile(r'href="/dossiers/(\d+)/"')


def listed_ids(response) -> set[int]:
    """The dossiers a page links to."""
    return {int(pk) for pk in DOSSIER_LINK.findall(response.content.decode())}


def other_dossier(world, state, **kwargs):
    """A dossier of ``world.other_organization``, whose member acts as its applicant
    (``world.dossier`` always has ``world.applicant`` act)."""
    from tests.factories import ApplicationFactory
    from workflows.paths import advance

    dossier = ApplicationFactory(call=world.call, organization=world.other_organization, **kwargs)
    return advance(dossier, state, {**world.actors, "applicant": world.other_applicant})


def detail_url(dossier) -> str:
    return reverse("dossier_detail", args=[dossier.pk])


def action_url(dossier, transition: str) -> str:
    return reverse("dossier_transition", args=[dossier.pk, transition])


class Page(HTMLParser):
    """The parts of a page the tests look at: headings, landmarks, fields and labels,
    the forms and the text of elements by id or class."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "wbr", "source", "area", "col"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags = []  # (tag, attrs) in document order
        self.labels_for = set()
        self.text_by_id = {}
        self._open = []  # [tag, id, [text parts]]
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "label" and attrs.get("for"):
            self.labels_for.add(attrs["for"])
        if tag not in self.VOID:
            self._open.append([tag, attrs.get("id"), []])

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                _tag, element_id, parts = self._open.pop(index)
                text = " ".join("".join(parts).split())
                if element_id:
                    self.text_by_id[element_id] = text
                if index:
                    self._open[index - 1][2].append(" " + "".join(parts) + " ")
                return

    def handle_data(self, data):
        if self._open:
            self._open[-1][2].append(data)

    def all(self, tag):
        return [attrs for name, attrs in self.tags if name == tag]

    def text(self, element_id: str) -> str:
        return self.text_by_id.get(element_id, "")

    def fields(self):
        """Every control a user fills in (hidden inputs and buttons excluded)."""
        controls = []
        for name, attrs in self.tags:
            if name == "input" and attrs.get("type") in {"hidden", "submit", "button"}:
                continue
            if name in {"input", "select", "textarea"}:
                controls.append(attrs)
        return controls

    def unlabelled_fields(self):
        return [attrs for attrs in self.fields() if attrs.get("id") not in self.labels_for]

    def value(self, element_id: str):
        for name, attrs in self.tags:
            if attrs.get("id") == element_id:
                if name == "textarea":
                    return self.text(element_id)
                return attrs.get("value")
        raise AssertionError(f"no element with id {element_id!r}")


def page(response) -> Page:
    return Page(response.content.decode())
