"""The staff's work queue (``/gestion/``): what each of the user's roles has to do now,
counted, with the first rows of each list, already filtered by the permission rules.

Sections, by role: dossiers to instruct (administrators and instructors: submitted
dossiers of the calls they may instruct), opinions to give (governance members, soonest
due first), dossiers to score (jurors, soonest deadline first), dossiers to decide and
emails failing (administrators). The number of queries does not grow with the number of
dossiers: each section is one count and one page of rows (the opinions, a fixed few)."""

from dataclasses import dataclass, field

from django.db.models import F
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from notifications.models import OutboundEmail
from workflows import rules
from workflows.states import DossierState as S

from . import dossier_selectors, jury_selectors, staff_selectors

ROWS = 10  # rows shown per section; the section's link leads to the whole list


@dataclass
class Section:
    key: str
    title: Promise
    count: int
    rows: list = field(default_factory=list)
    all_url: str = ""
    all_label: Promise = _("See them all")
    empty: Promise = _("Nothing to do here.")


def _dossier_section(key, title, queryset, all_url, empty, order):
    rows = list(
        queryset.select_related("call", "organization")
        .only(
            "reference",
            "title",
            "state",
            "submitted_at",
            "updated_at",
            "call__title",
            "organization__name",
        )
        .order_by(*order)[:ROWS]
    )
    count = len(rows) if len(rows) < ROWS else queryset.order_by().count()
    return Section(key, title, count, rows, all_url, empty=empty)


def work_queue(user) -> list[Section]:
    """The sections of the user's work queue, in the order of the work."""
    sections = []
    if not rules.is_staff_member(user):
        return sections
    user_roles = rules.roles(user)
    is_admin = rules.is_administrator(user)
    if is_admin or rules.INSTRUCTORS in user_roles:
        sections.append(
            _dossier_section(
                "instruct",
                _("To instruct"),
                staff_selectors.staff_dossiers(user).filter(state=S.SUBMITTED),
                reverse("staff_dossier_list") + "?state=submitted",
                _("No submitted dossier waits for its eligibility check."),
                ("submitted_at", "reference"),
            )
        )
    if rules.GOVERNANCE_MEMBERS in user_roles:
        due = [d for d in dossier_selectors.opinion_queue(user) if d.pending and d.open]
        sections.append(
            Section(
                "opinions",
                _("Opinions to give"),
                len(due),
                due[:ROWS],
                reverse("staff_opinion_queue"),
                empty=_("No opinion is waiting for your governance body."),
            )
        )
    if rules.JURORS in user_roles:
        to_score = jury_selectors.to_score(user)
        sections.append(
            _dossier_section(
                "score",
                _("To score"),
                to_score,
                reverse("staff_jury_queue"),
                _("No dossier waits for your scores."),
                (F("deadline").asc(nulls_last=True), "reference"),
            )
        )
    if is_admin:
        sections.append(
            _dossier_section(
                "decide",
                _("To decide"),
                staff_selectors.staff_dossiers(user).filter(state=S.AWAITING_DECISION),
                reverse("staff_decisions"),
                _("No dossier awaits a decision."),
                ("updated_at", "reference"),
            )
        )
        failed = OutboundEmail.objects.filter(status=OutboundEmail.Status.FAILED)
        rows = list(
            failed.select_related("application")
            .only("subject", "recipient", "created_at", "last_error", "application__reference")
            .order_by("-created_at", "-pk")[:ROWS]
        )
        count = len(rows) if len(rows) < ROWS else failed.count()
        sections.append(
            Section(
                "emails",
                _("Emails failing"),
                count,
                rows,
                reverse("outbox_sent") + "?status=failed",
                empty=_("No email has failed."),
            )
        )
    return sections
