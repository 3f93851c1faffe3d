from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class EligibilityReview(models.Model):
    class Outcome(models.TextChoices):
        ELIGIBLE = "eligible", _("Eligible")
        INELIGIBLE = "ineligible", _("Ineligible")
        INCOMPLETE = "incomplete", _("Incomplete")

    application = models.ForeignKey(
        "calls.Application", on_delete=models.CASCADE, related_name="eligibility_reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checklist = models.JSONField(
        _("checklist"),
        default=list,
        blank=True,
        help_text=_("One entry per criterion: label, passed, comment."),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("eligibility review")
        verbose_name_plural = _("eligibility reviews")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.application.reference} — {self.get_outcome_display()}"


class GovernanceBody(models.Model):
    """An "instance de gouvernance" giving opinions on AMI projects."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="governance_bodies",
        verbose_name=_("members"),
    )

    class Meta:
        verbose_name = _("governance body")
        verbose_name_plural = _("governance bodies")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Opinion(models.Model):
    class Verdict(models.TextChoices):
        FAVOURABLE = "favourable", _("Favourable")
        RESERVED = "reserved", _("Favourable with reservations")
        UNFAVOURABLE = "unfavourable", _("Unfavourable")
        ABSTENTION = "abstention", _("Abstention")

    application = models.ForeignKey(
        "calls.Application", on_delete=models.CASCADE, related_name="opinions"
    )
    body = models.ForeignKey(GovernanceBody, on_delete=models.PROTECT, related_name="opinions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(_("opinion"), max_length=20, choices=Verdict.choices)
    motivation = models.TextField(_("motivation"))
    document = models.FileField(_("document"), upload_to="opinions/%Y/%m/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "body"], name="one_opinion_per_body")
        ]

    def __str__(self):
        return f"{self.application.reference} — {self.body}: {self.get_verdict_display()}"


class Jury(models.Model):
    call = models.OneToOneField("calls.Call", on_delete=models.CASCADE, related_name="jury")
    name = models.CharField(_("name"), max_length=200)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="juries", verbose_name=_("jurors")
    )
    president = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="presided_juries",
        verbose_name=_("president"),
        help_text=_("A member of the jury; reads the ranking of the call."),
    )

    class ScoreVisibility(models.TextChoices):
        NEVER = "never", _("Never")
        AFTER_SUBMISSION = "after_submission", _("Once their own scorecard is submitted")
        ALWAYS = "always", _("Always")

    scoring_deadline = models.DateField(
        _("scoring deadline"),
        null=True,
        blank=True,
        help_text=_("Jurors are reminded 3 days and 1 day before."),
    )
    score_visibility = models.CharField(
        _("a juror sees the other scores and the average"),
        max_length=20,
        choices=ScoreVisibility.choices,
        default=ScoreVisibility.AFTER_SUBMISSION,
    )
    show_juror_identities = models.BooleanField(
        _("jurors see each other's names"),
        default=False,
        help_text=_("Otherwise the other scorecards are shown as “Juror 1”, “Juror 2”…"),
    )

    class Meta:
        verbose_name = _("jury")
        verbose_name_plural = _("juries")

    def __str__(self):
        return self.name


class JurorAssignment(models.Model):
    application = models.ForeignKey(
        "calls.Application", on_delete=models.CASCADE, related_name="juror_assignments"
    )
    juror = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="juror_assignments"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    # Until the juror confirms they have no conflict of interest on the dossier (or
    # declares one), they see only its title and organisation, and cannot score it.
    confirmed_at = models.DateTimeField(
        _("no conflict of interest confirmed at"), null=True, blank=True
    )
    # In the juror's "to score" list: the dossier is under review and the juror has not
    # submitted a scorecard on it (kept by ``reviews.tallies``; the list reads it first,
    # then checks both conditions on the few rows it finds).
    pending = models.BooleanField(_("to score"), default=True)

    class Meta:
        verbose_name = _("juror assignment")
        verbose_name_plural = _("juror assignments")
        constraints = [
            models.UniqueConstraint(fields=["application", "juror"], name="unique_juror_assignment")
        ]
        indexes = [
            models.Index(
                fields=["juror", "pending", "application"], name="assignment_juror_pending"
            )
        ]

    def __str__(self):
        return f"{self.application.reference} — {self.juror}"


class ConflictOfInterest(models.Model):
    """A juror's declaration: they take no part in this dossier (no view, no score)."""

    application = models.ForeignKey(
        "calls.Application", on_delete=models.CASCADE, related_name="conflicts"
    )
    juror = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts_of_interest"
    )
    reason = models.TextField(_("reason"), blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)
    # Set when the conflict was declared for the juror because they declared an interest
    # in the dossier's organisation (``reviews.services.declare_interest``): withdrawing
    # that interest lifts it while the jury is open. Empty for a conflict declared by
    # hand (by the juror or an administrator), which is never lifted.
    declared_interest = models.ForeignKey(
        "DeclaredInterest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conflicts",
        verbose_name=_("declared interest that caused it"),
    )

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.UniqueConstraint(fields=["application", "juror"], name="unique_conflict")
        ]

    def __str__(self):
        return f"{self.application.reference} — {self.juror}"


class DeclaredInterest(models.Model):
    """A link a person declares with an organisation (member, board member, employee,
    family link...). A juror with a declared interest in the organisation of a dossier
    is in conflict of interest on it: never assigned, never offered (see
    ``workflows.rules.conflicted_pairs``)."""

    class Nature(models.TextChoices):
        MEMBER = "member", _("Member")
        BOARD = "board", _("Board member")
        EMPLOYEE = "employee", _("Employee")
        FAMILY = "family", _("Family link")
        OTHER = "other", _("Other link")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="declared_interests",
        verbose_name=_("person"),
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="declared_interests",
        verbose_name=_("organisation"),
    )
    nature = models.CharField(_("nature of the link"), max_length=20, choices=Nature.choices)
    details = models.CharField(_("details"), max_length=300, blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("declared interest")
        verbose_name_plural = _("declared interests")
        ordering = ["organization__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="one_declared_interest_per_organisation"
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.organization} ({self.get_nature_display()})"


class ScorecardQuerySet(models.QuerySet):
    def counted(self):
        """Scorecards that count in averages, rankings and exports: submitted and not
        excluded (a conflict of interest excludes a scorecard, it never deletes it)."""
        return self.filter(submitted_at__isnull=False, excluded_at__isnull=True)


class Scorecard(models.Model):
    application = models.ForeignKey(
        "calls.Application", on_delete=models.CASCADE, related_name="scorecards"
    )
    juror = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scorecards"
    )
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Excluded, never deleted: a conflict of interest takes the scorecard out of every
    # average, ranking and export, and keeps who excluded it, when and why.
    excluded_at = models.DateTimeField(_("excluded at"), null=True, blank=True)
    excluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("excluded by"),
    )
    excluded_reason = models.TextField(_("reason for the exclusion"), blank=True)

    objects = ScorecardQuerySet.as_manager()

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(fields=["application", "juror"], name="one_scorecard_per_juror")
        ]
        # The juror's submitted list, read from this index alone.
        indexes = [
            models.Index(
                fields=["juror", "excluded_at", "submitted_at", "application"],
                name="scorecard_juror_state",
            )
        ]

    def __str__(self):
        return f"{self.application.reference} — {self.juror}"


class Score(models.Model):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        "calls.ScoringCriterion", on_delete=models.PROTECT, related_name="scores"
    )
    value = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "criterion"], name="one_score_per_criterion"
            )
        ]

    def __str__(self):
        return f"{self.criterion_id}: {self.value}"


class Decision(models.Model):
    """The decision on a dossier. Reopening a decision marks it superseded."""

    class Outcome(models.TextChoices):
        SELECTED = "selected", _("Selected")
        NOT_SELECTED = "not_selected", _("Not selected")

    application = models.ForeignKey(
        "calls.Application", on_delete=models.CASCADE, related_name="decisions"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    amount = models.DecimalField(
        _("granted amount (EUR)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    motivation = models.TextField(_("motivation"), blank=True)
    needs_convention = models.BooleanField(
        _("needs a “convention d'objectifs”"),
        default=False,
        help_text=_("Grants above 23,000 EUR."),
    )
    highlighted = models.BooleanField(_("highlighted action"), default=False)
    special_prize = models.BooleanField(_("special prize"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    is_current = models.BooleanField(default=True, db_index=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(is_current=True),
                name="one_current_decision",
            )
        ]

    def __str__(self):
        return f"{self.application.reference} — {self.get_outcome_display()}"


class DeliberationMinutes(models.Model):
    """The minutes of the deliberation meeting of a call: who met, when, whether the
    quorum was reached; the decisions and their motivation are the call's current
    decisions. Locked once a decision of the call is notified."""

    call = models.OneToOneField(
        "calls.Call", on_delete=models.CASCADE, related_name="minutes", verbose_name=_("call")
    )
    meeting_date = models.DateField(_("date of the meeting"))
    members_present = models.TextField(
        _("members present"), help_text=_("One person per line, with their role if useful.")
    )
    quorum_note = models.TextField(
        _("quorum"), blank=True, help_text=_("E.g. 7 members present out of 9: quorum reached.")
    )
    notes = models.TextField(_("other remarks"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("deliberation minutes")
        verbose_name_plural = _("deliberation minutes")

    def __str__(self):
        return f"{self.call} — {self.meeting_date:%d/%m/%Y}"

    @property
    def members(self) -> list[str]:
        return [line.strip() for line in self.members_present.splitlines() if line.strip()]


class JurorTally(models.Model):
    """What the jury's progress page shows of a juror on a call, counted as it changes
    (see ``reviews.tallies``): kept by the services, never edited by hand."""

    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="juror_tallies")
    juror = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jury_tallies"
    )
    assigned = models.IntegerField(_("dossiers assigned"), default=0)
    submitted = models.IntegerField(_("scorecards submitted"), default=0)
    drafts = models.IntegerField(_("draft scorecards"), default=0)
    conflicts = models.IntegerField(_("conflicts of interest"), default=0)
    late = models.IntegerField(_("late dossiers"), default=0)
    pending = models.IntegerField(_("dossiers to score"), default=0)

    class Meta:
        verbose_name = _("juror's tally")
        verbose_name_plural = _("jurors' tallies")
        constraints = [
            models.UniqueConstraint(fields=["call", "juror"], name="one_tally_per_juror_and_call")
        ]

    def __str__(self):
        return f"{self.call_id} — {self.juror_id}"
