"""The menus of the site's header, by role: what a person may reach by clicks.

``menus(user, path, full_path)`` is the one read every page's header makes (through
the ``site_menus`` template tag): the applicant's space (their dossiers and
organisations) for applicants and for staff who are also members of an organisation,
and the staff space with one link per back-office page of each role the user holds.
It costs the role and membership queries of ``workflows.rules`` (cached on the user
object), whatever the number of links."""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from workflows import rules


@dataclass
class Link:
    label: str
    url: str
    current: bool = False


@dataclass
class Menus:
    applicant: list[Link] = field(default_factory=list)
    staff: list[Link] = field(default_factory=list)

    @property
    def links(self) -> list[Link]:
        return [*self.applicant, *self.staff]


def _staff_links(user) -> list[Link]:
    user_roles = rules.roles(user)
    links = []
    if not rules.is_staff_member(user):
        return links
    links.append(Link(_("To do now"), reverse("staff_home")))
    if rules.is_administrator(user):
        links += [
            Link(_("Dossiers"), reverse("staff_dossier_list")),
            Link(_("Call management"), reverse("staff_call_list")),
            Link(_("Consultations"), reverse("staff_consultations")),
            Link(_("Juries and rankings"), reverse("staff_juries")),
            Link(_("Decisions"), reverse("staff_decisions")),
            Link(_("Emails held"), reverse("outbox_list")),
            Link(_("Emails sent"), reverse("outbox_sent")),
            Link(_("Emails failing"), reverse("outbox_sent") + "?status=failed"),
            Link(_("Observatory"), reverse("staff_observatory")),
            Link(_("Audit trail"), reverse("staff_audit")),
        ]
    elif rules.INSTRUCTORS in user_roles:
        links += [
            Link(_("Dossiers to instruct"), reverse("staff_dossier_list") + "?state=submitted"),
            Link(_("My calls"), reverse("staff_call_list")),
            Link(_("Observatory"), reverse("staff_observatory")),
        ]
    if rules.has_reception(user):
        links += [
            Link(_("Enter a paper dossier"), reverse("reception_home")),
            Link(_("Letters to post"), reverse("letter_queue")),
        ]
    if rules.GOVERNANCE_MEMBERS in user_roles:
        links.append(Link(_("Opinions to give"), reverse("staff_opinion_queue")))
    if rules.JURORS in user_roles:
        links.append(Link(_("Dossiers to score"), reverse("staff_jury_queue")))
    links.append(Link(_("My declared interests"), reverse("staff_interests")))
    return links


def is_applicant(user) -> bool:
    """Applicants, and staff who are also members of an organisation."""
    return bool(user and user.is_authenticated) and (
        not rules.is_staff_member(user) or bool(rules.organization_ids(user))
    )


def menus(user, path: str, full_path: str) -> Menus:
    """The header's menus for ``user`` on the page ``full_path`` (path and query); the
    link of the current page is marked: the one whose URL is the page's, else the first
    one whose URL without its query is the page's path."""
    if not (user and user.is_authenticated and user.is_active):
        return Menus()
    result = Menus(staff=_staff_links(user))
    if is_applicant(user):
        result.applicant = [
            Link(_("My dossiers"), reverse("dashboard")),
            Link(_("My organisations"), reverse("org_list")),
        ]
    links = result.links
    current = next((link for link in links if link.url == full_path), None)
    if current is None:
        current = next((link for link in links if urlsplit(link.url).path == path), None)
    if current is not None:
        current.current = True
    return result
