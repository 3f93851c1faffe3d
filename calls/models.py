from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.fsm import FSMField

from workflows.states import DossierState


class District(models.TextChoices):
    """The eight districts of Bordeaux."""

    MARITIME = "maritime", "Bordeaux Maritime"
    CHARTRONS = "chartrons", "Chartrons-Grand Parc-Jardin Public"
    CENTRE = "centre", "Centre-ville"
    SAINT_AUGUSTIN = "saint_augustin", "Saint Augustin-Tauzin-Alphonse Dupeux"
    NANSOUTY = "nansouty", "Nansouty-Saint Genès"
    SUD = "sud", "Bordeaux Sud"
    BASTIDE = "bastide", "La Bastide"
    CAUDERAN = "cauderan", "Caudéran"


class Axis(models.Model):
    """One of the two structuring axes of the scheme."""

    code = models.SlugField(unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(unique=True)

    class Meta:
        verbose_name = _("axis")
        verbose_name_plural = _("axes")
        ordering = ["position"]

    def __str__(self):
        return self.title


class Orientation(models.Model):
    """A heading of the scheme grouping some of the 28 objectives."""

    axis = models.ForeignKey(Axis, on_delete=models.PROTECT, related_name="orientations")
    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveSmallIntegerField(unique=True)

    class Meta:
        verbose_name = _("orientation")
        verbose_name_plural = _("orientations")
        ordering = ["position"]

    def __str__(self):
        return self.title


class Objective(models.Model):
    """One of the 28 operational objectives, worded as in the municipal scheme."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    orientation = models.ForeignKey(
        Orientation, on_delete=models.PROTECT, related_name="objectives"
    )
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["number"]

    def __str__(self):
        return _("Objective %(number)s") % {"number": self.number}


class Call(models.Model):
    """An AMI (themed call) or one yearly edition of the prize."""

    class Kind(models.TextChoices):
        AMI = "ami", _("Call for expressions of interest (AMI)")
        PRIZE = "prize", _("Prize Bordeaux Terre de Solidarités")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    objectives = models.ManyToManyField(
        Objective, related_name="calls", verbose_name=_("targeted objectives")
    )
    opens_at = models.DateTimeField(_("opening"))
    closes_at = models.DateTimeField(_("closing"))
    budget = models.DecimalField(
        _("budget envelope (EUR)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    max_grant = models.DecimalField(
        _("maximum grant (EUR)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    # Prize editions.
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    highlighted_count = models.PositiveSmallIntegerField(_("highlighted actions"), default=28)
    special_prize_count = models.PositiveSmallIntegerField(_("special prizes"), default=4)
    special_prize_amount = models.DecimalField(
        _("special prize amount (EUR)"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    # Ranking and deliberation.
    class ScoreAggregate(models.TextChoices):
        MEAN = "mean", _("Mean of the jurors' marks")
        MEDIAN = "median", _("Median of the jurors' marks")

    score_aggregate = models.CharField(
        _("score of a dossier"),
        max_length=10,
        choices=ScoreAggregate.choices,
        default=ScoreAggregate.MEAN,
        help_text=_("How the jurors' marks of a dossier make its score in the ranking."),
    )
    disagreement_threshold = models.DecimalField(
        _("disagreement threshold (points on 20)"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("4"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "A dossier whose jurors' marks have a standard deviation at or above this "
            "threshold is flagged as a strong disagreement in the ranking."
        ),
    )
    # Review set-up.
    opinions_required = models.BooleanField(_("governance opinions required"), default=False)
    governance_bodies = models.ManyToManyField(
        "reviews.GovernanceBody",
        blank=True,
        related_name="calls",
        verbose_name=_("governance bodies consulted"),
    )
    jury_scores = models.BooleanField(_("a jury scores the dossiers"), default=False)
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="instructed_calls",
        verbose_name=_("instructors"),
    )
    eligible_applicants = models.TextField(
        _("who may apply"),
        blank=True,
        help_text=_("Shown on the call page, e.g. associations based in Bordeaux."),
    )
    is_published = models.BooleanField(_("published"), default=True)
    examine_unaccepted_nominations = models.BooleanField(
        _("examine nominations nobody accepted"),
        default=False,
        help_text=_(
            "Prize editions: after the closing date, staff may send to examination an "
            "action nominated by a third party whose carrying organisation did not answer."
        ),
    )
    laureates_published = models.BooleanField(
        _("laureates published"),
        default=False,
        help_text=_("Prize editions: show the highlighted actions on the public home page."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="call_closes_after_opening",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_prize(self) -> bool:
        return self.kind == self.Kind.PRIZE

    @property
    def reference_prefix(self) -> str:
        return "PRIX" if self.is_prize else "AMI"

    @property
    def reference_year(self) -> int:
        return self.year or timezone.localtime(self.opens_at).year

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.is_published and self.opens_at <= at < self.closes_at


class RequiredDocument(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="required_documents")
    label = models.CharField(_("label"), max_length=200)
    help_text = models.CharField(_("help"), max_length=300, blank=True)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["call", "position", "pk"]

    def __str__(self):
        return self.label


class EligibilityCriterion(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="eligibility_criteria")
    label = models.CharField(_("criterion"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("eligibility criterion")
        verbose_name_plural = _("eligibility criteria")
        ordering = ["call", "position", "pk"]

    def __str__(self):
        return self.label


class ScoringCriterion(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="scoring_criteria")
    label = models.CharField(_("criterion"), max_length=300)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    max_score = models.PositiveSmallIntegerField(_("maximum score"), default=5)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("scoring criterion")
        verbose_name_plural = _("scoring criteria")
        ordering = ["call", "position", "pk"]

    def __str__(self):
        return self.label


class ReferenceCounter(models.Model):
    """Last number used for dossier references of a prefix and year (AMI-2027-0001)."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="unique_reference_counter")
        ]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last_number}"


class Application(models.Model):
    """The dossier: an answer to an AMI or a nomination for a prize edition.

    Its state changes only through ``workflows.services.perform``."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="applications"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    objectives = models.ManyToManyField(
        Objective, blank=True, related_name="applications", verbose_name=_("objectives")
    )
    requested_amount = models.DecimalField(
        _("requested amount (EUR)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    total_budget = models.DecimalField(
        _("total budget (EUR)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    districts = models.JSONField(
        _("districts concerned"),
        default=list,
        blank=True,
        help_text=_("Codes of the Bordeaux districts (calls.models.District)."),
    )
    people_reached = models.TextField(_("people reached"), blank=True)
    people_count = models.PositiveIntegerField(_("number of people reached"), null=True, blank=True)
    consultation_due_at = models.DateField(_("opinions due by"), null=True, blank=True)

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        PAPER = "paper", _("Paper (received by post)")
        COUNTER = "counter", _("At the counter")
        PHONE = "phone", _("By phone")

    # How the dossier reached the City (objectives 27 and 28: mixed access channels with
    # equal treatment). A dossier entered by staff on behalf of an organisation records
    # who entered it and, for a paper dossier, the date it was received.
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.ONLINE
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    received_on = models.DateField(_("received on"), null=True, blank=True)
    state = FSMField(
        _("state"),
        max_length=20,
        choices=DossierState.choices,
        default=DossierState.DRAFT,
        protected=True,
        db_index=True,
    )
    # Incremented by every state change (workflows.services.perform): a form or an API
    # call sends the version it was built from, so that a stale page is detected.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    consulted_at = models.DateTimeField(_("consultation opened at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-updated_at", "-pk"]
        permissions = [
            ("score_application", _("Can score this dossier")),
            ("instruct_application", _("Can instruct this dossier")),
        ]
        indexes = [models.Index(fields=["call", "state"])]

    def __str__(self):
        return f"{self.reference} — {self.title}"

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        # The protected state field refuses assignment, which Django's reload uses:
        # reload the other fields as usual, then write the state slot directly.
        if fields is None:
            deferred = self.get_deferred_fields()
            fields = [f.attname for f in self._meta.concrete_fields if f.attname not in deferred]
        others = [name for name in fields if name != "state"]
        if others:
            super().refresh_from_db(using=using, fields=others, from_queryset=from_queryset)
        if len(others) != len(fields):
            queryset = from_queryset or type(self)._base_manager.db_manager(using)
            self._set_state(queryset.filter(pk=self.pk).values_list("state", flat=True).get())

    def _set_state(self, value: str) -> None:
        """Write the protected state slot. Only the flow classes call this."""
        self.__dict__["state"] = value

    @property
    def state_label(self) -> str:
        return DossierState(self.state).label


class Attachment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    required_document = models.ForeignKey(
        RequiredDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


class Message(models.Model):
    """A message of the dossier thread. Internal notes are never shown to the applicant."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("message"))
    internal = models.BooleanField(_("internal note"), default=False)
    attachment = models.FileField(upload_to="messages/%Y/%m/", blank=True)
    attachment_name = models.CharField(_("file name"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.application.reference} — {self.created_at:%Y-%m-%d %H:%M}"


class Nomination(models.Model):
    """An action nominated for a prize edition by someone other than the organisation
    that carries it (a City service, a partner, another association, City staff).

    The carrying organisation is told; a member accepts (the dossier, a draft of that
    organisation, is created then: ``calls.nominations``) or declines. A nomination
    nobody accepted can be sent to examination when the call allows it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the carrying organisation")
        ACCEPTED = "accepted", _("Accepted by the carrying organisation")
        DECLINED = "declined", _("Declined by the carrying organisation")
        EXAMINED = "examined", _("Examined without acceptance")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="nominations")
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        related_name="nominations_received",
        verbose_name=_("carrying organisation"),
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("nominated by"),
    )
    nominated_by_organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nominations_made",
        verbose_name=_("nominating organisation"),
    )
    title = models.CharField(_("title of the action"), max_length=200)
    summary = models.TextField(_("summary of the action"))
    motivation = models.TextField(_("why it is nominated"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    application = models.OneToOneField(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="nomination",
        verbose_name=_("dossier"),
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(nominated_by_organization=models.F("organization")),
                name="nomination_not_by_its_carrier",
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.organization})"

    @property
    def nominator_label(self) -> str:
        """Who nominated the action, as staff read it: organisation and person."""
        person = ""
        if self.nominated_by is not None:
            person = self.nominated_by.get_full_name() or self.nominated_by.email
        organisation = (
            self.nominated_by_organization.name
            if self.nominated_by_organization
            else _("City services")
        )
        return f"{organisation} ({person})" if person else str(organisation)


# Direct foreign-key object-permission tables (django-guardian): indexable, unlike the
# generic tables that store the primary key as text.
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase  # noqa: E402


class ApplicationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Application, on_delete=models.CASCADE)


class ApplicationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Application, on_delete=models.CASCADE)
