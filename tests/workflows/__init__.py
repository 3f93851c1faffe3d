"""Behaviour tests of the dossier engine: transitions, conditions, quotas, concurrency
and the audit trail."""


def snapshot(dossier):
    """What a refused transition must leave untouched, read from the database: the
    dossier's state and how many log rows, outbox rows, decisions and
    eligibility reviews it has."""
    from calls.models import Application
    from notifications.models import OutboundEmail
    from reviews.models import Decision, EligibilityReview
    from workflows.models import TransitionLog

    return {
        "state": Application.objects.values_list("state", flat=True).get(pk=dossier.pk),
        "log_rows": TransitionLog.objects.filter(application=dossier.pk).count(),
        "outbox_rows": OutboundEmail.objects.filter(application=dossier.pk).count(),
        "decisions": Decision.objects.filter(application=dossier.pk).count(),
        "current_decisions": Decision.objects.filter(
            application=dossier.pk, is_current=True
        ).count(),
        "eligibility_reviews": EligibilityReview.objects.filter(application=dossier.pk).count(),
    }


def give_all_opinions(dossier):
    """Every governance body consulted on the dossier's call gives its opinion."""
    from reviews.models import Opinion

    for body in dossier.call.governance_bodies.all():
        Opinion.objects.create(
            application=dossier,
            body=body,
            author=body.members.first(),
            verdict=Opinion.Verdict.FAVOURABLE,
            motivation="Projet utile au quartier.",
        )
