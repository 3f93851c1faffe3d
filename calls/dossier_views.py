"""Building a dossier: its sections, its documents, the check page and submission.

A draft (or a dossier the City asked to complete) is edited by the members of its
organisation, one short section per page. Each section is saved on its own, so what
was typed is never lost: "Save", "Save and continue", and the step navigation, whose
entries are buttons of the section's form (clicking another step saves first). Writes
go through ``calls.services``; submitting goes through ``workflows.services.perform``.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from workflows import flows, rules
from workflows.exceptions import (
    InvalidSourceState,
    StaleDossier,
    TransitionError,
    TransitionNotPermitted,
)
from workflows.http import dossier_changed, posted_version, unsent
from workflows.models import TransitionLog
from workflows.services import perform, unmet
from workflows.states import DossierState

from . import selectors, services, uploads
from .dossier_forms import (
    BudgetForm,
    DistrictsForm,
    DocumentForm,
    ObjectivesForm,
    PeopleForm,
    ProjectForm,
)
from .models import Attachment, District


@dataclass(frozen=True)
class Section:
    slug: str
    title: Promise
    form_class: type | None = None
    ami_only: bool = False


SECTIONS = (
    Section("projet", gettext_lazy("The project"), ProjectForm),
    Section("objectifs", gettext_lazy("The objectives"), ObjectivesForm),
    Section("quartiers", gettext_lazy("The districts concerned"), DistrictsForm),
    Section("public", gettext_lazy("The people reached"), PeopleForm),
    Section("budget", gettext_lazy("The budget"), BudgetForm, ami_only=True),
    Section("documents", gettext_lazy("The documents")),
)
CHECK = "verification"
DOCUMENTS = "documents"

# Which section each submission condition of the engine is about (the check page
# links every unmet condition to the place where it is fixed).
CONDITION_SECTIONS = {
    flows.has_title: "projet",
    flows.has_objective: "objectifs",
    flows.objectives_targeted: "objectifs",
    flows.budget_consistent: "budget",
    flows.mandatory_documents_present: DOCUMENTS,
}
# Sections the engine does not require, but that the City needs to examine a dossier.
RECOMMENDED = {
    "projet": gettext_lazy("Describe the project in a few sentences (its summary)."),
    "quartiers": gettext_lazy("Tick the districts of Bordeaux concerned."),
    "public": gettext_lazy("Say who the people reached are, and how many."),
}


def sections_for(dossier) -> list[Section]:
    """The sections of this dossier: a prize nomination has no budget."""
    return [s for s in SECTIONS if not (s.ami_only and dossier.call.is_prize)]


def submit_transition(dossier) -> str:
    return "resubmit" if dossier.state == DossierState.INCOMPLETE else "submit"


# Reads.


def _own_dossier(request, pk):
    """The dossier, for a member of its organisation; 404 for anybody else."""
    dossier = selectors.dossier_for(request.user, pk)
    if not rules.acts_for_applicant(request.user, dossier):
        raise Http404
    return dossier


def _completion(dossier, sections) -> dict[str, bool]:
    """Is each section filled in? (Read from the prefetched dossier.)"""
    attachments = list(dossier.attachments.all())
    attached = {a.required_document_id for a in attachments}
    mandatory = [d.pk for d in dossier.call.required_documents.all() if d.mandatory]
    done = {
        "projet": bool(dossier.title.strip() and dossier.summary.strip()),
        "objectifs": bool(list(dossier.objectives.all())),
        "quartiers": bool(dossier.districts),
        "public": bool(dossier.people_reached.strip() or dossier.people_count is not None),
        "budget": dossier.total_budget is not None
        and dossier.requested_amount is not None
        and not services.budget_errors(
            dossier.call, dossier.total_budget, dossier.requested_amount
        ),
        DOCUMENTS: all(pk in attached for pk in mandatory) and bool(attachments or not mandatory),
    }
    return {section.slug: done[section.slug] for section in sections}


def _steps(dossier, sections, current) -> list[dict]:
    done = _completion(dossier, sections)
    steps = [
        {
            "slug": section.slug,
            "title": section.title,
            "url": reverse("dossier_edit", args=[dossier.pk, section.slug]),
            "current": section.slug == current,
            # "step completed": agrees with "étape" whatever the section's title.
            "status": _("step completed") if done[section.slug] else _("to complete"),
            "done": done[section.slug],
        }
        for section in sections
    ]
    steps.append(
        {
            "slug": CHECK,
            "title": _("Check and submit"),
            "url": reverse("dossier_check", args=[dossier.pk]),
            "current": current == CHECK,
            "status": "",
            "done": False,
        }
    )
    return steps


def _completion_request(dossier):
    """What the City asked for, when it asked the applicant to complete the dossier."""
    if dossier.state != DossierState.INCOMPLETE:
        return None
    return (
        TransitionLog.objects.filter(application=dossier, transition="request_completion")
        .order_by("-at", "-pk")
        .first()
    )


def _context(dossier, sections, current, **extra) -> dict:
    steps = _steps(dossier, sections, current)  # the sections, then the check page
    position = next((i for i, step in enumerate(steps, 1) if step["slug"] == current), None)
    return {
        "dossier": dossier,
        "steps": steps,
        "position": position,
        "count": len(steps),
        "completion_request": _completion_request(dossier),
        **extra,
    }


def _locked(request, dossier, error=None, status=409, form=None):
    """The dossier can no longer be edited: say so, change nothing. ``form``, the
    section posted meanwhile, is shown as typed so that it can be copied."""
    message = error.message if error is not None else services.not_editable_message(dossier)
    kept = None
    if form is not None:
        kept = unsent(
            form,
            changed=dossier_changed(dossier),
            resendable=False,
            why=services.not_editable_message(dossier),
        )
    context = {"dossier": dossier, "message": message, "unsent": kept}
    return render(request, "dossiers/locked.html", context, status=status)


def _status(error) -> int:
    if isinstance(error, StaleDossier | InvalidSourceState):
        return 409
    if isinstance(error, TransitionNotPermitted):
        return 403
    return 400


# The sections.


def _target_url(dossier, sections, current, goto, action) -> str:
    slugs = [s.slug for s in sections]
    if goto == CHECK:
        return reverse("dossier_check", args=[dossier.pk])
    if goto in slugs:
        return reverse("dossier_edit", args=[dossier.pk, goto])
    if action == "continue":
        index = slugs.index(current)
        if index + 1 < len(slugs):
            return reverse("dossier_edit", args=[dossier.pk, slugs[index + 1]])
        return reverse("dossier_check", args=[dossier.pk])
    return reverse("dossier_edit", args=[dossier.pk, current])


def _save(form, dossier, user):
    if isinstance(form, ObjectivesForm):
        services.set_objectives(dossier, user, form.cleaned_data["objectives"])
    else:
        services.update_draft(dossier, user, **form.cleaned_data)


@login_required
def dossier_edit(request, pk, section):
    user = request.user
    dossier = _own_dossier(request, pk)
    sections = sections_for(dossier)
    current = next((s for s in sections if s.slug == section), None)
    if current is None:
        raise Http404
    if not services.can_edit(user, dossier):
        if request.method == "POST" and current.form_class is not None:
            return _locked(request, dossier, form=current.form_class(request.POST, dossier=dossier))
        return _locked(request, dossier)
    if current.slug == DOCUMENTS:
        # Files are sent by the forms of the page, each to its own URL.
        return _documents_page(request, dossier, sections)
    form_class = current.form_class
    if request.method != "POST":
        form = form_class(initial=form_class.initial_for(dossier), dossier=dossier)
        return render(
            request, "dossiers/section.html", _context(dossier, sections, current.slug, form=form)
        )

    form = form_class(request.POST, dossier=dossier)
    goto = request.POST.get("goto", "")
    action = request.POST.get("action", "save")
    target = _target_url(dossier, sections, current.slug, goto, action)
    error = None
    if form.is_valid():
        try:
            _save(form, dossier, user)
        except TransitionError as failure:
            if isinstance(failure, InvalidSourceState):
                dossier = _own_dossier(request, pk)
                return _locked(request, dossier, failure, form=form)
            error = failure
            form.add_error(failure.field if failure.field in form.fields else None, failure.message)
        else:
            messages.success(request, _("“%(section)s” saved.") % {"section": current.title})
            return redirect(target)
    # Shown again with what was typed and the errors next to the fields; the user may
    # still leave for the section they asked for, without saving this page.
    leaving = target != reverse("dossier_edit", args=[dossier.pk, current.slug])
    context = _context(
        dossier, sections, current.slug, form=form, leave_url=target if leaving else None
    )
    return render(
        request,
        "dossiers/section.html",
        context,
        status=_status(error) if error is not None else 400,
    )


# Documents.


def _document_rows(dossier, bound=None):
    """The required documents of the call, each with its file or an upload form, and
    the extra documents. ``bound`` replaces one blank form by the one just posted."""
    bound = bound or {}
    attachments = list(dossier.attachments.all())
    by_document = {a.required_document_id: a for a in attachments if a.required_document_id}

    def form_for(prefix_id, label):
        form = bound.get(prefix_id) or DocumentForm(prefix_id=prefix_id)
        form.fields["file"].label = label
        return form

    required = []
    for document in dossier.call.required_documents.all():
        attachment = by_document.get(document.pk)
        if attachment is not None:
            label = _("Another file for “%(label)s”") % {"label": document.label}
            form = form_for(f"replace{attachment.pk}", label)
        else:
            label = _("File for “%(label)s”") % {"label": document.label}
            form = form_for(f"doc{document.pk}", label)
        required.append({"document": document, "attachment": attachment, "form": form})
    required_ids = {row["document"].pk for row in required}
    extras = [
        {
            "attachment": attachment,
            "form": form_for(
                f"replace{attachment.pk}",
                _("Another file to replace “%(name)s”") % {"name": attachment.original_name},
            ),
        }
        for attachment in attachments
        if attachment.required_document_id not in required_ids
    ]
    extra_form = form_for("extra", _("Another document"))
    return required, extras, extra_form


def _documents_page(request, dossier, sections, bound=None, failed=None, status=200):
    required, extras, extra_form = _document_rows(dossier, bound)
    context = _context(
        dossier,
        sections,
        DOCUMENTS,
        required=required,
        extras=extras,
        extra_form=extra_form,
        failed=failed,
    )
    return render(request, "dossiers/documents.html", context, status=status)


def _upload(request, pk, attachment_pk=None):
    """Add a file (for a required document or an extra one) or replace one."""
    user = request.user
    dossier = _own_dossier(request, pk)
    if not services.can_edit(user, dossier):
        return _locked(request, dossier)
    sections = sections_for(dossier)
    attachment = document = None
    if attachment_pk is not None:
        attachment = get_object_or_404(Attachment, pk=attachment_pk, application=dossier)
        prefix_id = f"replace{attachment.pk}"
    elif request.POST.get("document"):
        document = dossier.call.required_documents.filter(
            pk=request.POST["document"] if request.POST["document"].isdigit() else None
        ).first()
        if document is None:
            raise Http404
        attachment = dossier.attachments.filter(required_document=document).first()
        prefix_id = f"replace{attachment.pk}" if attachment else f"doc{document.pk}"
    else:
        prefix_id = "extra"
    form = DocumentForm(request.POST, request.FILES, prefix_id=prefix_id)
    error = None
    if form.is_valid():
        try:
            if attachment is not None:
                saved = services.replace_attachment(attachment, user, form.cleaned_data["file"])
            else:
                saved = services.add_attachment(
                    dossier, user, form.cleaned_data["file"], required_document=document
                )
        except TransitionError as failure:
            if isinstance(failure, InvalidSourceState):
                return _locked(request, dossier, failure)
            error = failure
            form.add_error("file" if failure.field == "file" else None, failure.message)
        else:
            messages.success(
                request, _("The file “%(name)s” was saved.") % {"name": saved.original_name}
            )
            return redirect(reverse("dossier_edit", args=[dossier.pk, DOCUMENTS]))
    dossier = _own_dossier(request, pk)  # reload: the page shows the dossier as it is
    return _documents_page(
        request,
        dossier,
        sections,
        bound={prefix_id: form},
        failed=form,
        status=_status(error) if error is not None else 400,
    )


@login_required
@require_POST
def dossier_attachment_add(request, pk):
    return _upload(request, pk)


@login_required
@require_POST
def dossier_attachment_replace(request, pk, attachment_pk):
    return _upload(request, pk, attachment_pk)


@login_required
def dossier_attachment_delete(request, pk, attachment_pk):
    """Confirm, then delete a file of the dossier."""
    user = request.user
    dossier = _own_dossier(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, application=dossier)
    if not services.can_edit(user, dossier):
        return _locked(request, dossier)
    if request.method == "POST":
        try:
            services.delete_attachment(attachment, user)
        except TransitionError as failure:
            return _locked(request, dossier, failure, status=_status(failure))
        messages.success(
            request, _("The file “%(name)s” was deleted.") % {"name": attachment.original_name}
        )
        return redirect(reverse("dossier_edit", args=[dossier.pk, DOCUMENTS]))
    return render(
        request,
        "dossiers/attachment_delete.html",
        {"dossier": dossier, "attachment": attachment},
    )


@login_required
def dossier_attachment(request, pk, attachment_pk):
    """Download a file of the dossier: for whoever may see the dossier, 404 otherwise."""
    dossier = selectors.dossier_for(request.user, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, application=dossier)
    return uploads.serve(attachment)


# Check and submit.


def _blocking_items(dossier, transition) -> list[dict]:
    """Every unmet condition of the submission, with the section where it is fixed."""
    items = []
    for condition, message in unmet(dossier, transition):
        section = CONDITION_SECTIONS.get(condition)
        items.append(
            {
                "message": message,
                "url": reverse("dossier_edit", args=[dossier.pk, section]) if section else None,
            }
        )
    return items


def _check_page(request, dossier, error=None, status=200):
    sections = sections_for(dossier)
    transition = submit_transition(dossier)
    done = _completion(dossier, sections)
    recommended = [
        {"message": message, "url": reverse("dossier_edit", args=[dossier.pk, slug])}
        for slug, message in RECOMMENDED.items()
        if slug in done and not done[slug]
    ]
    context = _context(
        dossier,
        sections,
        CHECK,
        blocking=_blocking_items(dossier, transition),
        recommended=recommended,
        transition=transition,
        objectives=list(dossier.objectives.all()),
        attachments=list(dossier.attachments.all()),
        district_labels=_district_labels(dossier),
        error=error,
    )
    return render(request, "dossiers/check.html", context, status=status)


def _district_labels(dossier) -> list[str]:
    return [District(code).label for code in dossier.districts if code in District.values]


@login_required
def dossier_check(request, pk):
    dossier = _own_dossier(request, pk)
    if not services.can_edit(request.user, dossier):
        return _locked(request, dossier)
    return _check_page(request, dossier)


@login_required
@require_POST
def dossier_submit(request, pk):
    """Submit the dossier (or send it back completed) as the check page showed it."""
    user = request.user
    dossier = _own_dossier(request, pk)
    expected_state = request.POST.get("expected_state", "")
    if expected_state not in services.EDITABLE_STATES:
        if not services.can_edit(user, dossier):
            return _locked(request, dossier)
        return _check_page(
            request,
            dossier,
            error=TransitionError(_("The form is out of date; reload the page.")),
            status=400,
        )
    # perform() compares this state (the one the page showed) with the locked row's.
    dossier._set_state(expected_state)
    try:
        perform(
            dossier, submit_transition(dossier), user, expected_version=posted_version(request.POST)
        )
    except TransitionError as error:
        dossier = _own_dossier(request, pk)
        if not services.can_edit(user, dossier):
            return _locked(request, dossier, error, status=_status(error))
        return _check_page(request, dossier, error=error, status=_status(error))
    return redirect("dossier_submitted", pk=dossier.pk)


@login_required
def dossier_submitted(request, pk):
    """The confirmation: the reference number to keep, and the email that follows."""
    dossier = _own_dossier(request, pk)
    if dossier.state in services.EDITABLE_STATES:
        return redirect("dossier_check", pk=dossier.pk)
    return render(request, "dossiers/submitted.html", {"dossier": dossier})
