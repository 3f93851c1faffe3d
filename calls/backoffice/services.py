"""Writes on calls: creating, editing, publishing, closing early and cloning them,
and assigning their instructors. Administrators only (``workflows.rules``).

Every rule on a call is checked here, whatever the caller (pages, admin, scripts):
a :class:`~django.core.exceptions.ValidationError` keyed by field names says what is
wrong, so that a form shows each message next to its field. Every change is recorded
in the call's history (the admin's log entries), with the reason of an early closing.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import Call, EligibilityCriterion, RequiredDocument, ScoringCriterion
from reviews.models import Jury, Score
from workflows import rules
from workflows.exceptions import TransitionNotPermitted

# The fields of a call set from a form, and copied when the call is cloned.
CALL_FIELDS = (
    "kind",
    "title",
    "theme",
    "description",
    "eligible_applicants",
    "opens_at",
    "closes_at",
    "budget",
    "max_grant",
    "year",
    "highlighted_count",
    "special_prize_count",
    "special_prize_amount",
    "examine_unaccepted_nominations",
    "opinions_required",
    "jury_scores",
    "score_aggregate",
    "disagreement_threshold",
)
# The rows of the three lists of a call: model, the fields a row sets.
ROW_FIELDS = {
    "required_documents": (RequiredDocument, ("label", "help_text", "mandatory")),
    "eligibility_criteria": (EligibilityCriterion, ("label",)),
    "scoring_criteria": (ScoringCriterion, ("label", "weight", "max_score")),
}


@dataclass
class CallSetup:
    """What a call is made of besides its own fields: its targeted objectives, the
    governance bodies consulted, its instructors, its jurors (``None``: no jury) and
    its three lists. A row is a dict of the row's fields, with ``pk`` for a row that
    exists already; the rows given replace the call's rows (missing ones are removed),
    in the order given."""

    objectives: list = field(default_factory=list)
    governance_bodies: list = field(default_factory=list)
    instructors: list = field(default_factory=list)
    jurors: list | None = None
    required_documents: list = field(default_factory=list)
    eligibility_criteria: list = field(default_factory=list)
    scoring_criteria: list = field(default_factory=list)


def _require_administrator(actor):
    if not rules.is_administrator(actor):
        raise TransitionNotPermitted(_("Only administrators can manage calls."))


def _log(actor, call, flag, message):
    LogEntry.objects.log_actions(
        actor.pk, Call.objects.filter(pk=call.pk), flag, message, single_object=True
    )


def call_errors(call, setup: CallSetup | None = None) -> dict:
    """{field: [messages]} of what is wrong with ``call`` (unsaved changes included)
    and its set-up; empty when it may be saved. The model's own checks first."""
    errors = {}
    try:
        call.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors = {name: list(messages) for name, messages in error.message_dict.items()}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    if call.opens_at and call.closes_at and call.closes_at <= call.opens_at:
        add("closes_at", _("The closing date must be after the opening date."))
    if call.budget is not None and call.max_grant is not None and call.max_grant > call.budget:
        add("max_grant", _("The maximum grant cannot be more than the budget envelope."))
    if call.kind == Call.Kind.PRIZE:
        if not call.year:
            add("year", _("Give the year of the prize edition."))
        if call.special_prize_count > call.highlighted_count:
            add(
                "special_prize_count",
                _("Special prizes go to highlighted actions: at most %(count)s.")
                % {"count": call.highlighted_count},
            )
    if call.pk and call.kind != Call.objects.filter(pk=call.pk).values_list("kind").get()[0]:
        if call.applications.exists():
            add("kind", _("The call already has dossiers: its kind cannot change."))
    if setup is not None:
        if not setup.objectives:
            add("objectives", _("Choose at least one objective the call targets."))
        User = get_user_model()
        not_instructors = User.objects.filter(pk__in=[u.pk for u in setup.instructors]).exclude(
            groups__name=rules.INSTRUCTORS
        )
        if not_instructors.exists():
            add("instructors", _("Only members of the instructors group can instruct a call."))
        if setup.jurors:
            not_jurors = User.objects.filter(pk__in=[u.pk for u in setup.jurors]).exclude(
                groups__name=rules.JURORS
            )
            if not_jurors.exists():
                add("jurors", _("Only members of the jurors group can sit on a jury."))
        for name, (model, fields) in ROW_FIELDS.items():
            for row in getattr(setup, name):
                instance = model(call=call, **{f: row[f] for f in fields if f in row})
                try:
                    instance.full_clean(exclude=["call", "position"])
                except ValidationError:
                    add(name, _("A row of this list is not valid."))
                    break
        if call.pk:
            kept = {row["pk"] for row in setup.scoring_criteria if row.get("pk")}
            scored = (
                Score.objects.filter(criterion__call=call)
                .exclude(criterion__pk__in=kept)
                .values_list("criterion__label", flat=True)
                .distinct()
            )
            for label in scored:
                add(
                    "scoring_criteria",
                    _("“%(label)s” already has jurors' scores: it cannot be removed.")
                    % {"label": label},
                )
    return errors


def _check(call, setup=None):
    errors = call_errors(call, setup)
    if errors:
        raise ValidationError(errors)


def _replace_rows(call, name, rows):
    model, fields = ROW_FIELDS[name]
    existing = {row.pk: row for row in model.objects.filter(call=call)}
    kept = set()
    for position, data in enumerate(rows):
        instance = existing.get(data.get("pk")) or model(call=call)
        for field_name in fields:
            if field_name in data:
                setattr(instance, field_name, data[field_name])
        instance.position = position
        instance.save()
        kept.add(instance.pk)
    model.objects.filter(call=call).exclude(pk__in=kept).delete()


def _apply_setup(call, setup: CallSetup):
    call.objectives.set(setup.objectives)
    call.governance_bodies.set(setup.governance_bodies)
    call.instructors.set(setup.instructors)
    if setup.jurors is not None:
        jury = Jury.objects.filter(call=call).first()
        if jury is None and (setup.jurors or call.jury_scores):
            jury = Jury.objects.create(call=call, name=_("Jury of %(call)s") % {"call": call})
        if jury is not None:
            jury.members.set(setup.jurors)
    for name in ROW_FIELDS:
        _replace_rows(call, name, getattr(setup, name))


@transaction.atomic
def create_call(actor, setup: CallSetup, **fields) -> Call:
    """A new call, unpublished: applicants see it once it is published."""
    _require_administrator(actor)
    call = Call(**{name: value for name, value in fields.items() if name in CALL_FIELDS})
    call.is_published = False
    _check(call, setup)
    call.save()
    _apply_setup(call, setup)
    _log(actor, call, ADDITION, _("Created."))
    return call


@transaction.atomic
def update_call(actor, call, setup: CallSetup, **fields) -> Call:
    """Change a call's fields and set-up (see :class:`CallSetup`)."""
    _require_administrator(actor)
    call = Call.objects.select_for_update().get(pk=call.pk)
    changed = [
        name for name in CALL_FIELDS if name in fields and getattr(call, name) != fields[name]
    ]
    for name in changed:
        setattr(call, name, fields[name])
    _check(call, setup)
    call.save()
    _apply_setup(call, setup)
    labels = ", ".join(str(Call._meta.get_field(name).verbose_name) for name in changed)
    _log(actor, call, CHANGE, _("Changed: %(fields)s.") % {"fields": labels or "-"})
    return call


@transaction.atomic
def publish_call(actor, call) -> Call:
    """Show the call to applicants (they may apply between its opening and closing)."""
    _require_administrator(actor)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.is_published:
        raise ValidationError(_("This call is already published."))
    if call.closes_at <= timezone.now():
        raise ValidationError(
            {"closes_at": _("The closing date is past: change the dates before publishing.")}
        )
    if not call.objectives.exists():
        raise ValidationError(
            {"objectives": _("Choose the objectives the call targets before publishing it.")}
        )
    call.is_published = True
    call.save(update_fields=["is_published"])
    _log(actor, call, CHANGE, _("Published."))
    return call


@transaction.atomic
def close_call_early(actor, call, reason: str = "") -> Call:
    """Close an open call now: no dossier can be submitted to it any more (drafts
    stay drafts). The reason, optional, is kept in the call's history."""
    _require_administrator(actor)
    call = Call.objects.select_for_update().get(pk=call.pk)
    now = timezone.now()
    if call.closes_at <= now:
        raise ValidationError(_("This call is already closed."))
    if call.opens_at >= now:
        raise ValidationError(
            {"opens_at": _("This call has not opened yet: change its dates instead.")}
        )
    call.closes_at = now
    call.save(update_fields=["closes_at"])
    reason = (reason or "").strip()
    message = _("Closed early.") + (f" {reason}" if reason else "")
    _log(actor, call, CHANGE, message)
    return call


def clone_title(call) -> str:
    return _("%(title)s (new edition)") % {"title": call.title}


@transaction.atomic
def clone_call(
    actor,
    call,
    *,
    opens_at: datetime,
    closes_at: datetime,
    title: str | None = None,
    year: int | None = None,
) -> Call:
    """A new edition of ``call``, unpublished, with its configuration (objectives,
    documents, criteria, governance bodies, instructors, jury) and none of its
    dossiers, open between the dates given."""
    _require_administrator(actor)
    source = (
        Call.objects.prefetch_related(
            "objectives", "governance_bodies", "instructors", "jury__members"
        )
        .filter(pk=call.pk)
        .get()
    )
    fields = {name: getattr(source, name) for name in CALL_FIELDS}
    fields.update(opens_at=opens_at, closes_at=closes_at, title=title or clone_title(source))
    if source.kind == Call.Kind.PRIZE:
        fields["year"] = year or (source.year + 1 if source.year else None)
    jury = getattr(source, "jury", None)
    setup = CallSetup(
        objectives=list(source.objectives.all()),
        governance_bodies=list(source.governance_bodies.all()),
        instructors=list(source.instructors.all()),
        jurors=list(jury.members.all()) if jury is not None else None,
        required_documents=[
            {"label": d.label, "help_text": d.help_text, "mandatory": d.mandatory}
            for d in source.required_documents.all()
        ],
        eligibility_criteria=[{"label": c.label} for c in source.eligibility_criteria.all()],
        scoring_criteria=[
            {"label": c.label, "weight": c.weight, "max_score": c.max_score}
            for c in source.scoring_criteria.all()
        ],
    )
    clone = Call(**fields)
    clone.is_published = False
    _check(clone, setup)
    clone.save()
    _apply_setup(clone, setup)
    _log(actor, clone, ADDITION, _("Cloned from “%(title)s”.") % {"title": source.title})
    return clone


@transaction.atomic
def set_instructors(actor, call, users) -> Call:
    """The instructors of the call: they see its dossiers and declare them eligible."""
    _require_administrator(actor)
    users = list(users)
    User = get_user_model()
    if (
        User.objects.filter(pk__in=[u.pk for u in users])
        .exclude(groups__name=rules.INSTRUCTORS)
        .exists()
    ):
        raise ValidationError(
            {"instructors": _("Only members of the instructors group can instruct a call.")}
        )
    call.instructors.set(users)
    _log(actor, call, CHANGE, _("Instructors changed."))
    return call
