"""Public pages: the home page, the calls, a call's page and the scheme's objectives.

No login needed. Views read through ``calls.selectors`` and render; the apply form of
a call page posts to the existing ``dossier_create`` view."""

from urllib.parse import urlencode

from django import forms
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from viewflow.fsm import State

from accounts.models import Organization
from reviews import exports
from workflows import flows, rules
from workflows.states import DossierState as S

from . import nominations, observatory, selectors
from .forms import DraftForm, ObservatoryFilterForm
from .models import Application, Call, District, Objective

# How a dossier is examined, in plain words: for each state, who acts and what happens.
# The states shown on a call page come from the flow class of the call's kind (see
# ``examination_steps``); this table only words them.
STEP_TEXTS = {
    S.DRAFT: (
        _("your organisation"),
        _(
            "You prepare the dossier: the project, the objectives it serves, the budget and "
            "the documents. You can save it at any time and submit it until the call closes."
        ),
    ),
    S.SUBMITTED: (
        _("the instructors of the City"),
        _(
            "You receive a reference number by email. The instructors check that the "
            "dossier is complete and meets the conditions of the call."
        ),
    ),
    S.INCOMPLETE: (
        _("your organisation"),
        _(
            "If something is missing or must be corrected, the instructor tells you what. "
            "You complete the dossier and send it again."
        ),
    ),
    S.ELIGIBLE: (
        _("the administrators of the City"),
        _("The dossier meets the conditions of the call; it goes on to the next step."),
    ),
    S.INELIGIBLE: (
        _("the instructors of the City"),
        _(
            "If the dossier does not meet the conditions of the call, it is declared "
            "ineligible and the City tells you why."
        ),
    ),
    S.IN_CONSULTATION: (
        _("the governance bodies of the scheme"),
        _("The governance bodies consulted on this call give their opinion on the project."),
    ),
    S.IN_JURY: (
        _("the jury"),
        _("The members of the jury score the dossier against the criteria of the call."),
    ),
    S.AWAITING_DECISION: (
        _("the administrators of the City"),
        _("The City decides in the light of the instruction, the opinions and the scores."),
    ),
    S.SELECTED: (
        _("the administrators of the City"),
        _("The project is selected, with the amount of the grant."),
    ),
    S.NOT_SELECTED: (
        _("the administrators of the City"),
        _("The project is not selected; the decision gives the reasons."),
    ),
    S.NOTIFIED: (
        _("the administrators of the City"),
        _("The decision is sent to you by email with its letter, and shown on the dossier's page."),
    ),
    S.WITHDRAWN: (
        _("your organisation"),
        _("Until it is examined, you can withdraw a submitted dossier, telling the City why."),
    ),
    S.DISCARDED: (
        _("your organisation"),
        _("A draft you no longer need can be discarded; the City never receives it."),
    ),
}
# Wording that differs for a prize edition (a nomination, no grant requested).
PRIZE_STEP_TEXTS = {
    S.DRAFT: (
        _("your organisation"),
        _(
            "You present the action: what it does, the objectives it serves and the "
            "documents. You can save it at any time and submit it until the edition closes."
        ),
    ),
    S.SELECTED: (
        _("the administrators of the City"),
        _(
            "The action is one of those highlighted this year; four actions carried by "
            "associations also receive a special prize with a grant."
        ),
    ),
}

# Conditions of the flows that depend only on how the call is set up: a transition
# whose condition fails for the call never happens on it, so its step is not shown.
CALL_CONDITIONS = (flows.consultation_configured, flows.jury_configured)


def examination_steps(call) -> list[dict]:
    """The states a dossier of this call can go through, from the draft on, in the order
    of ``DossierState``, each with who acts and what happens.

    Derived from the transitions of the flow class of the call's kind, so a state added
    to or removed from a flow shows up here; transitions impossible on this call (no
    governance body consulted, no jury) are left out."""
    flow_class = flows.FLOWS[call.kind]
    flow = flow_class(Application(call=call))
    transitions = [
        transition
        for method_transitions in flow_class.state.get_transitions().values()
        for transition in method_transitions
    ]
    reachable, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        state = frontier.pop()
        for transition in transitions:
            if transition.source != state:
                continue
            if any(
                condition in CALL_CONDITIONS and not condition(flow)
                for condition in transition.conditions
            ):
                continue
            if isinstance(transition.target, State.GET_STATE):
                # The engine chooses the target from the call's set-up.
                targets = [transition.target.func(flow)]
            else:
                targets = transition.declared_targets()
            for target in targets:
                if target not in reachable:
                    reachable.add(target)
                    frontier.append(target)
    texts = {**STEP_TEXTS, **(PRIZE_STEP_TEXTS if call.is_prize else {})}
    return [
        {"state": state, "label": state.label, "who": texts[state][0], "what": texts[state][1]}
        for state in S
        if state in reachable
    ]


def time_left(moment, now=None) -> str:
    """How long until a call closes, in words: “Closes in 3 days”."""
    left = moment - (now or timezone.now())
    if left.days >= 1:
        return ngettext("Closes in %(count)d day", "Closes in %(count)d days", left.days) % {
            "count": left.days
        }
    hours = left.seconds // 3600
    if left.days == 0 and hours >= 1:
        return ngettext("Closes in %(count)d hour", "Closes in %(count)d hours", hours) % {
            "count": hours
        }
    if left.total_seconds() > 0:
        return str(_("Closes in less than an hour"))
    return str(_("Closed"))


def _with_time_left(calls, now):
    for call in calls:
        call.time_left = time_left(call.closes_at, now)
    return calls


def home(request):
    now = timezone.now()
    periods = selectors.calls_by_period(now, closed=False)
    context = {
        "axes": selectors.scheme_axes(),
        "open_calls": _with_time_left(periods["open"], now),
        "coming_calls": periods["coming"],
        "editions": selectors.published_laureates(),
    }
    return render(request, "home.html", context)


def call_list(request):
    now = timezone.now()
    periods = selectors.calls_by_period(now)
    context = {
        "open_calls": _with_time_left(periods["open"], now),
        "coming_calls": periods["coming"],
        "closed_calls": periods["closed"],
    }
    return render(request, "public/call_list.html", context)


def _apply_form(call, user):
    """The form starting a draft on this call, for members of an organisation; it posts
    to ``dossier_create`` (the call is a hidden field)."""
    organizations = Organization.objects.filter(pk__in=rules.organization_ids(user)).order_by(
        "name"
    )
    form = DraftForm(
        calls=Call.objects.filter(pk=call.pk),
        organizations=organizations,
        initial={"call": call.pk},
        auto_id="id_apply_%s",
    )
    form.fields["call"].widget = forms.HiddenInput()
    return form


def _apply(call, user, now) -> dict:
    """What the “Apply” part of a call page offers this visitor."""
    if now < call.opens_at:
        return {"mode": "coming"}
    if now >= call.closes_at:
        return {"mode": "closed"}
    if not user.is_authenticated:
        return {"mode": "anonymous"}
    if not rules.organization_ids(user):
        return {"mode": "no_organisation"}
    return {"mode": "member", "form": _apply_form(call, user)}


def call_detail(request, pk):
    call = selectors.public_call(pk)
    now = timezone.now()
    context = {
        "call": call,
        "is_open": call.is_open(now),
        "time_left": time_left(call.closes_at, now),
        "objectives": list(call.objectives.all()),
        "documents": list(call.required_documents.all()),
        "criteria": list(call.eligibility_criteria.all()),
        "steps": examination_steps(call),
        "apply": _apply(call, request.user, now),
        "may_nominate": nominations.may_nominate(request.user, call, now),
    }
    return render(request, "public/call_detail.html", context)


def objectives(request):
    return render(request, "public/objectives.html", {"axes": selectors.scheme_axes()})


class LaureatesFilterForm(forms.Form):
    """The filters of an edition's laureates page; a wrong value is ignored and said."""

    objective = forms.TypedChoiceField(
        label=_("Objective"), required=False, coerce=int, empty_value=None
    )
    district = forms.ChoiceField(label=_("District"), required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_laureates_%s")
        super().__init__(*args, **kwargs)
        self.fields["objective"].choices = [
            ("", _("All objectives")),
            *(
                (number, _("Objective %(number)s") % {"number": number})
                for number in Objective.objects.order_by("number").values_list("number", flat=True)
            ),
        ]
        self.fields["district"].choices = [("", _("All districts")), *District.choices]
        for name in ("objective", "district"):
            self.fields[name].error_messages["invalid_choice"] = _(
                "This value is not in the list; choose one from the list."
            )

    def value(self, name):
        if not self.is_bound or not self.is_valid() and name in self.errors:
            return None
        return self.cleaned_data.get(name) or None


def laureates(request):
    return render(
        request, "public/laureates.html", {"editions": list(selectors.published_editions())}
    )


def laureates_edition(request, pk):
    call = selectors.published_edition(pk)
    form = LaureatesFilterForm(request.GET or None)
    objective, district = form.value("objective"), form.value("district")
    dossiers = selectors.edition_laureates(call, objective=objective, district=district)
    districts = dict(District.choices)
    for dossier in dossiers:
        dossier.district_labels = [districts.get(code, code) for code in dossier.districts or ()]
    special = [dossier for dossier in dossiers if dossier.special_prize]
    groups = []
    for item in Objective.objects.order_by("number"):
        if objective is not None and item.number != objective:
            continue
        actions = [
            dossier
            for dossier in dossiers
            if any(o.pk == item.pk for o in dossier.objectives.all())
        ]
        if actions:
            groups.append({"objective": item, "actions": actions})
    context = {
        "call": call,
        "form": form,
        "special": special,
        "groups": groups,
        "count": len(dossiers),
        "filtered": objective is not None or district is not None,
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "public/laureates_edition.html", context, status=status)


def _public_figures(request):
    form = ObservatoryFilterForm(observatory.public_calls(), request.GET)
    return form, observatory.public_observatory(**form.filters)


def observatory_page(request):
    form, result = _public_figures(request)
    context = {
        "form": form,
        "observatory": result,
        "chart": observatory.district_chart(result),
        "district_map": observatory.district_map(result),
        "small_cell": observatory.SMALL_CELL,
        "licence_url": observatory.LICENCE_URL,
        "query": urlencode(form.filters),
    }
    return render(request, "public/observatory.html", context)


def observatory_csv(request):
    """The public figures as CSV for French spreadsheets (as the other exports: UTF-8
    with a byte-order mark, ``;``, decimal comma), one row per breakdown and key."""
    form, result = _public_figures(request)
    response = HttpResponse(
        "".join(exports.csv_lines(observatory.CSV_HEADER, observatory.open_rows(result))),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="observatoire.csv"'
    return response


def observatory_json(request):
    form, result = _public_figures(request)
    data = observatory.open_data(result, form.filters, form.ignored_names)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="observatoire.json"'
    return response
