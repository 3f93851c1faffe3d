"""The state machines of the dossiers, one flow class per dossier kind.

Built on ``viewflow.fsm``: the flow wraps an ``Application`` whose ``state`` field is
protected (no direct assignment). Conditions read the call's configuration; side
effects of a transition (eligibility review, decision) are written by the transition
method itself, inside the transaction opened by ``workflows.services.perform``, which
is the only caller.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.fsm import State

from calls.models import Call, EligibilityCriterion, Nomination, Objective
from reviews.models import Decision, EligibilityReview, GovernanceBody

from . import rules
from .exceptions import ConditionNotMet, InvalidTransitionData, QuotaExceeded
from .states import DossierState as S

CONDITION = State.CONDITION
# Amounts must fit Decision.amount (12 digits, 2 of them decimals).
AMOUNT_LIMIT = Decimal(10) ** 10
# Plain decimal notation only ("1e3" is not an amount a person types).
AMOUNT_RE = re.compile(r"-?\d+(\.\d+)?")


# Conditions: functions of the flow returning a truthy value or an unmet CONDITION
# whose message is shown to the user.


def received_in_time(dossier) -> bool:
    """A paper dossier received by post while the call was open (its date of receipt
    recorded) may be entered and submitted after the call closed."""
    call = dossier.call
    return bool(
        dossier.channel == dossier.Channel.PAPER
        and dossier.received_on
        and call.is_published
        and timezone.localdate(call.opens_at)
        <= dossier.received_on
        <= timezone.localdate(call.closes_at)
        and timezone.now() >= call.opens_at
    )


def call_is_open(flow):
    call = flow.call
    return CONDITION(
        call.is_open() or received_in_time(flow.dossier),
        _(
            "The call “%(call)s” is not open: dossiers can be submitted from %(opens)s to %(closes)s."
        )
        % {
            "call": call.title,
            "opens": timezone.localtime(call.opens_at).strftime("%d/%m/%Y %H:%M"),
            "closes": timezone.localtime(call.closes_at).strftime("%d/%m/%Y %H:%M"),
        },
    )


def has_objective(flow):
    return CONDITION(
        bool(flow.objective_targeting),
        _("Choose at least one of the objectives targeted by the call."),
    )


def objectives_targeted(flow):
    outside = sorted(number for number, targeted in flow.objective_targeting if not targeted)
    return CONDITION(
        not outside,
        _("Objective(s) %(numbers)s are not targeted by this call; choose among its objectives.")
        % {"numbers": ", ".join(str(n) for n in outside)},
    )


def mandatory_documents_present(flow):
    missing = flow.missing_documents
    return CONDITION(
        not missing,
        _("Mandatory document(s) missing: %(documents)s.")
        % {"documents": ", ".join(f"« {label} »" for label in missing)},
    )


def budget_consistent(flow):
    dossier, call = flow.dossier, flow.call
    if call.is_prize:
        return CONDITION(True)  # a nomination asks for no grant
    requested, total = dossier.requested_amount, dossier.total_budget
    if requested is None or total is None:
        return CONDITION(False, _("Give the total budget of the project and the amount requested."))
    if requested > total:
        return CONDITION(
            False, _("The amount requested cannot be above the total budget of the project.")
        )
    if call.max_grant is not None and requested > call.max_grant:
        return CONDITION(
            False,
            _("The amount requested is above the call's maximum grant (%(max)s €).")
            % {"max": number_format(call.max_grant, 0, force_grouping=True)},
        )
    return CONDITION(True)


def has_title(flow):
    return CONDITION(bool(flow.dossier.title.strip()), _("Give the project a title."))


def consultation_configured(flow):
    return CONDITION(
        flow.call.opinions_required and flow.consulted_body_count > 0,
        _("This call does not consult any governance body."),
    )


def jury_configured(flow):
    return CONDITION(
        flow.call.is_prize or flow.call.jury_scores,
        _("No jury scores the dossiers of this call."),
    )


def parse_due_date(raw, today=None):
    """The date by which the governance bodies give their opinion: a date (or an ISO
    ``YYYY-MM-DD`` text) after today. Raises ``InvalidTransitionData`` otherwise."""
    today = today or timezone.localdate()
    if raw in (None, ""):
        raise InvalidTransitionData(_("Give the date by which opinions are due."), field="due_at")
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    if not isinstance(raw, datetime.date):
        try:
            raw = datetime.date.fromisoformat(str(raw).strip())
        except ValueError as error:
            raise InvalidTransitionData(
                _("Give a date, for example 2027-03-31."), field="due_at"
            ) from error
    if raw <= today:
        raise InvalidTransitionData(
            _("The date by which opinions are due must be after today."), field="due_at"
        )
    return raw


def nomination_examinable(flow):
    """A nomination by a third party that its carrying organisation did not accept may
    be examined after the closing date, when the call allows it."""
    call = flow.call
    nomination = flow.nomination
    if nomination is None or nomination.status != "pending":
        return CONDITION(False, _("Only a nomination nobody accepted can be examined this way."))
    if not call.examine_unaccepted_nominations:
        return CONDITION(
            False, _("This edition does not examine nominations that nobody accepted.")
        )
    return CONDITION(
        timezone.now() >= call.closes_at,
        _("A nomination nobody accepted can be examined only once the call is closed."),
    )


SUBMISSION_CONDITIONS = [
    has_title,
    has_objective,
    objectives_targeted,
    mandatory_documents_present,
    budget_consistent,
]


# Permissions: functions of (flow, user).


def applicant(flow, user):
    return rules.acts_for_applicant(user, flow.dossier)


def instructor(flow, user):
    return rules.can_instruct(user, flow.dossier)


def administrator(flow, user):
    return rules.can_decide(user, flow.dossier)


def administrator_or_last_opinion(flow, user):
    """Administrators close a consultation; it also closes by itself once every body
    consulted has answered, on behalf of the member who gave the last opinion."""
    if rules.can_decide(user, flow.dossier):
        return True
    return bool(rules.consulted_body_ids(user, flow.dossier)) and flow.all_bodies_answered


def call_staff(flow, user):
    return rules.is_call_staff(user, flow.call)


def after_consultation(flow, *args, **kwargs):
    return S.IN_JURY if flow.call.jury_scores else S.AWAITING_DECISION


class DossierFlow:
    """What AMI applications and prize nominations have in common."""

    state = State(S, default=S.DRAFT)

    def __init__(self, dossier, actor=None, data=None):
        self.dossier = dossier
        self.actor = actor
        self.data = data or {}
        self.reason = (self.data.get("reason") or "").strip()

    @state.getter()
    def _get_state(self):
        return self.dossier.state

    @state.setter()
    def _set_state(self, value):
        self.dossier._set_state(value)

    # Facts read by conditions (each one query at most, computed once).

    @property
    def call(self):
        return self.dossier.call

    @cached_property
    def objective_targeting(self):
        """[(objective number, targeted by the call?)] for the dossier's objectives."""
        targeted = Call.objectives.through.objects.filter(
            call_id=self.dossier.call_id, objective_id=OuterRef("pk")
        )
        return list(
            Objective.objects.filter(applications=self.dossier)
            .annotate(targeted=Exists(targeted))
            .values_list("number", "targeted")
        )

    @cached_property
    def missing_documents(self):
        return list(
            self.call.required_documents.filter(mandatory=True)
            .exclude(attachments__application=self.dossier)
            .values_list("label", flat=True)
        )

    @cached_property
    def nomination(self):
        """The nomination by a third party of this dossier, if any."""
        return Nomination.objects.filter(application=self.dossier).first()

    @cached_property
    def consulted_body_count(self):
        return self.call.governance_bodies.count()

    @cached_property
    def all_bodies_answered(self):
        counts = GovernanceBody.objects.filter(calls=self.dossier.call_id).aggregate(
            consulted=Count("pk", distinct=True),
            answered=Count("opinions", filter=Q(opinions__application=self.dossier), distinct=True),
        )
        return counts["consulted"] > 0 and counts["answered"] >= counts["consulted"]

    # Helpers for the data sent with a transition.

    def require_reason(self, message):
        if not self.reason:
            raise InvalidTransitionData(message, field="reason")
        return self.reason

    def amount(self, field="amount", required=True):
        raw = self.data.get(field)
        if raw in (None, ""):
            if required:
                raise InvalidTransitionData(_("Give the granted amount."), field=field)
            return None
        text = str(raw).replace(" ", "").replace("\u202f", "").replace("\xa0", "")
        text = text.replace(",", ".")
        try:
            if not AMOUNT_RE.fullmatch(text):
                raise InvalidOperation(text)
            value = Decimal(text)
        except InvalidOperation as error:
            raise InvalidTransitionData(
                _("The amount must be a number of euros, for example 12500 or 12500,50."),
                field=field,
            ) from error
        if not value.is_finite() or value <= 0:
            raise InvalidTransitionData(_("The amount must be above zero."), field=field)
        if value >= AMOUNT_LIMIT:
            raise InvalidTransitionData(_("The amount is too large."), field=field)
        if value != value.quantize(Decimal("0.01")):
            raise InvalidTransitionData(
                _("The amount cannot have more than two decimals."), field=field
            )
        return value

    def checked_checklist(self, outcome):
        """The eligibility checklist sent with the decision, as the eligibility page
        requires it: every criterion of the call answered (met or not), and a comment on
        each criterion not met of a dossier declared eligible."""
        checklist = self.data.get("checklist") or []
        if not isinstance(checklist, list) or not all(isinstance(e, dict) for e in checklist):
            raise InvalidTransitionData(
                _("The eligibility checklist is not readable; fill it in again."),
                field="checklist",
            )
        answers = {entry.get("criterion"): entry for entry in checklist if "criterion" in entry}
        criteria = EligibilityCriterion.objects.filter(call_id=self.dossier.call_id)
        unanswered = []
        uncommented = []
        for pk, label in criteria.values_list("pk", "label"):
            entry = answers.get(pk)
            if entry is None or entry.get("passed") not in (True, False):
                unanswered.append(label)
            elif (
                outcome == "eligible"
                and entry["passed"] is False
                and not str(entry.get("comment") or "").strip()
            ):
                uncommented.append(label)
        if unanswered:
            raise InvalidTransitionData(
                _(
                    "Fill in the eligibility checklist first (on the eligibility page of the "
                    "dossier): criteria not answered: %(criteria)s."
                )
                % {"criteria": ", ".join(f"« {label} »" for label in unanswered)},
                field="checklist",
            )
        if uncommented:
            raise InvalidTransitionData(
                _(
                    "Criteria not met need a comment explaining why the dossier is eligible "
                    "all the same: %(criteria)s."
                )
                % {"criteria": ", ".join(f"« {label} »" for label in uncommented)},
                field="checklist",
            )
        return checklist

    def _review(self, outcome):
        # The checklist is audited in the transition log row (its ``data``), written
        # by perform in the same transaction: no separate audit event.
        return EligibilityReview.objects.create(
            application=self.dossier,
            reviewer=self.actor,
            checklist=(
                self.data.get("checklist") or []
                if outcome == "incomplete"
                else self.checked_checklist(outcome)
            ),
            outcome=outcome,
            reason=self.reason,
        )

    def _current_decision(self):
        return Decision.objects.filter(application=self.dossier, is_current=True).first()

    # Transitions.

    @state.transition(
        source=S.DRAFT,
        target=S.SUBMITTED,
        label=gettext_lazy("Submit the dossier"),
        conditions=[call_is_open, *SUBMISSION_CONDITIONS],
        permission=applicant,
    )
    def submit(self):
        self.dossier.submitted_at = timezone.now()

    @state.transition(
        source=S.DRAFT,
        target=S.DISCARDED,
        label=gettext_lazy("Discard the draft"),
        permission=applicant,
    )
    def discard(self):
        pass

    @state.transition(
        source=S.SUBMITTED,
        target=S.INCOMPLETE,
        label=gettext_lazy("Ask for completion"),
        permission=instructor,
    )
    def request_completion(self):
        self.require_reason(_("Tell the applicant what they must add or correct."))
        self._review("incomplete")

    @state.transition(
        source=S.SUBMITTED,
        target=S.ELIGIBLE,
        label=gettext_lazy("Declare eligible"),
        permission=instructor,
    )
    def declare_eligible(self):
        self._review("eligible")

    @state.transition(
        source=S.SUBMITTED,
        target=S.INELIGIBLE,
        label=gettext_lazy("Declare ineligible"),
        permission=instructor,
    )
    def declare_ineligible(self):
        self.require_reason(_("Give the reason why the dossier is ineligible."))
        self._review("ineligible")

    @state.transition(
        source=S.INCOMPLETE,
        target=S.SUBMITTED,
        label=gettext_lazy("Send the completed dossier"),
        conditions=SUBMISSION_CONDITIONS,
        permission=applicant,
    )
    def resubmit(self):
        self.dossier.submitted_at = timezone.now()

    @state.transition(
        source=[S.SUBMITTED, S.INCOMPLETE],
        target=S.WITHDRAWN,
        label=gettext_lazy("Withdraw the dossier"),
        permission=applicant,
    )
    def withdraw(self):
        self.require_reason(_("Tell the City why you withdraw the dossier."))

    @state.transition(
        source=S.ELIGIBLE,
        target=S.IN_JURY,
        label=gettext_lazy("Send to the jury"),
        conditions=[jury_configured],
        permission=administrator,
    )
    def open_jury(self):
        pass

    @state.transition(
        source=S.ELIGIBLE,
        target=S.AWAITING_DECISION,
        label=gettext_lazy("Send for decision"),
        permission=administrator,
    )
    def to_decision(self):
        pass

    @state.transition(
        source=S.IN_JURY,
        target=S.AWAITING_DECISION,
        label=gettext_lazy("Close the jury"),
        permission=administrator,
    )
    def close_jury(self):
        pass

    @state.transition(
        source=S.AWAITING_DECISION,
        target=S.SELECTED,
        label=gettext_lazy("Select"),
        permission=administrator,
    )
    def select(self):
        # The call row is the lock under which quotas and the envelope are checked.
        call = Call.objects.select_for_update().get(pk=self.dossier.call_id)
        fields = self.selection(call)
        Decision.objects.create(
            application=self.dossier,
            outcome=Decision.Outcome.SELECTED,
            motivation=self.reason,
            decided_by=self.actor,
            **fields,
        )
        self.decision_data = {k: v for k, v in fields.items() if v not in (None, False)}

    def selection(self, call):
        raise NotImplementedError

    @state.transition(
        source=S.AWAITING_DECISION,
        target=S.NOT_SELECTED,
        label=gettext_lazy("Decline"),
        permission=administrator,
    )
    def decline(self):
        self.require_reason(_("Give the motivation of the refusal."))
        Decision.objects.create(
            application=self.dossier,
            outcome=Decision.Outcome.NOT_SELECTED,
            motivation=self.reason,
            decided_by=self.actor,
        )

    @state.transition(
        source=[S.SELECTED, S.NOT_SELECTED, S.INELIGIBLE],
        target=S.NOTIFIED,
        label=gettext_lazy("Notify the decision"),
        permission=administrator,
    )
    def notify(self):
        pass

    @state.transition(
        source=[S.SELECTED, S.NOT_SELECTED, S.INELIGIBLE],
        target=S.AWAITING_DECISION,
        label=gettext_lazy("Reopen the decision"),
        permission=administrator,
    )
    def reopen(self):
        self.require_reason(_("Give the reason for reopening the decision."))
        Decision.objects.filter(application=self.dossier, is_current=True).update(is_current=False)


class AmiFlow(DossierFlow):
    """An application to a themed call (AMI): governance bodies give their opinion."""

    @DossierFlow.state.transition(
        source=S.ELIGIBLE,
        target=S.IN_CONSULTATION,
        label=gettext_lazy("Consult the governance bodies"),
        conditions=[consultation_configured],
        permission=administrator,
    )
    def open_consultation(self):
        self.dossier.consultation_due_at = parse_due_date(self.data.get("due_at"))
        self.dossier.consulted_at = timezone.now()

    @DossierFlow.state.transition(
        source=S.IN_CONSULTATION,
        target=State.GET_STATE(after_consultation, states=[S.IN_JURY, S.AWAITING_DECISION]),
        label=gettext_lazy("Close the consultation"),
        permission=administrator_or_last_opinion,
    )
    def close_consultation(self):
        if not self.all_bodies_answered:
            self.require_reason(
                _("Some bodies have not given their opinion: give the reason for closing now.")
            )

    def selection(self, call):
        amount = self.amount()
        if call.max_grant is not None and amount > call.max_grant:
            raise InvalidTransitionData(
                _("The amount is above the call's maximum grant (%(max)s €).")
                % {"max": number_format(call.max_grant, 0, force_grouping=True)},
                field="amount",
            )
        if call.budget is not None:
            granted = Decision.objects.filter(
                application__call=call, is_current=True, outcome=Decision.Outcome.SELECTED
            ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
            if granted + amount > call.budget:
                raise QuotaExceeded(
                    _(
                        "This grant would exceed the call's budget envelope: %(granted)s € "
                        "already granted out of %(budget)s €."
                    )
                    % {
                        "granted": number_format(granted, 2, force_grouping=True),
                        "budget": number_format(call.budget, 2, force_grouping=True),
                    },
                    field="amount",
                )
        return {
            "amount": amount,
            "needs_convention": amount > settings.CONVENTION_THRESHOLD_EUR,
        }


class PrizeFlow(DossierFlow):
    """A nomination for a yearly edition of the prize: a jury scores; up to 28 actions
    are highlighted and 4 of those carried by associations get a special prize."""

    @DossierFlow.state.transition(
        source=S.DRAFT,
        target=S.SUBMITTED,
        label=gettext_lazy("Examine the nomination nobody accepted"),
        conditions=[has_title, nomination_examinable],
        permission=call_staff,
    )
    def examine_nomination(self):
        self.dossier.submitted_at = timezone.now()

    def selection(self, call):
        special = str(self.data.get("special_prize", "")).lower() in {"1", "true", "on", "yes"}
        counts = Decision.objects.filter(
            application__call=call, is_current=True, outcome=Decision.Outcome.SELECTED
        ).aggregate(
            highlighted=Count("pk", filter=Q(highlighted=True)),
            special=Count("pk", filter=Q(special_prize=True)),
        )
        if counts["highlighted"] >= call.highlighted_count:
            raise QuotaExceeded(
                _("The %(count)s actions of this edition are already highlighted.")
                % {"count": call.highlighted_count}
            )
        amount = None
        if special:
            if not self.dossier.organization.is_association:
                raise ConditionNotMet(
                    _("A special prize can only go to an action carried by an association."),
                    field="special_prize",
                )
            if counts["special"] >= call.special_prize_count:
                raise QuotaExceeded(
                    _("The %(count)s special prizes of this edition are already awarded.")
                    % {"count": call.special_prize_count},
                    field="special_prize",
                )
            amount = self.amount(required=False) or call.special_prize_amount
        return {
            "highlighted": True,
            "special_prize": special,
            "amount": amount,
            "needs_convention": bool(amount and amount > settings.CONVENTION_THRESHOLD_EUR),
        }


FLOWS = {"ami": AmiFlow, "prize": PrizeFlow}


def flow_class_for(dossier):
    return FLOWS[dossier.call.kind]


def transition_names(flow_class) -> list[str]:
    return sorted(method.slug for method in flow_class.state.get_transitions())
