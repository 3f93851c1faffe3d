"""Decision letters: the PDF the City sends with a decision email, and that the
association downloads from its dossier once the decision is notified.

The letter is rendered from ``templates/letters/decision.html`` (print CSS) by
WeasyPrint, in French whatever the language of the request. It never fetches
anything: the template refers to no image, font or stylesheet outside itself.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from config import typography
from reviews.models import Decision, EligibilityReview
from workflows.models import TransitionLog
from workflows.states import DossierState as S

LETTER_TEMPLATE = "letters/decision.html"
CITY = {
    "name": "Ville de Bordeaux",
    "scheme": "Bordeaux Terre de Solidarités",
    "address": "4 rue Claude Bonnier – 33045 Bordeaux cedex",
    # How an organisation without email answers the City (nomination letters).
    "service": "service Bordeaux Terre de Solidarités",
    "phone": "05 56 10 20 30",
}
APPEAL_NOTICE = (
    "Voies et délais de recours : la présente décision peut faire l'objet d'un recours "
    "gracieux auprès de M. le Maire de Bordeaux ou d'un recours contentieux devant le "
    "tribunal administratif de Bordeaux, 9 rue Tastet, 33000 Bordeaux, dans un délai de "
    "deux mois à compter de sa notification. Le tribunal administratif peut être saisi par "
    "l'application Télérecours citoyens accessible par le site www.telerecours.fr."
)


@dataclass(frozen=True)
class LetterDecision:
    """What the letter says was decided."""

    outcome: str  # "selected", "not_selected" or "ineligible"
    motivation: str = ""
    amount: Decimal | None = None
    needs_convention: bool = False
    highlighted: bool = False
    special_prize: bool = False


def letter_decision(dossier) -> LetterDecision | None:
    """The decision the letter reports: the dossier's current decision (selected or
    not), else its ineligibility; ``None`` while nothing is decided."""
    decision = Decision.objects.filter(application=dossier, is_current=True).first()
    if decision is not None:
        return LetterDecision(
            outcome=decision.outcome,
            motivation=decision.motivation,
            amount=decision.amount,
            needs_convention=decision.needs_convention,
            highlighted=decision.highlighted,
            special_prize=decision.special_prize,
        )
    review = (
        EligibilityReview.objects.filter(
            application=dossier, outcome=EligibilityReview.Outcome.INELIGIBLE
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if review is not None and dossier.state in {S.INELIGIBLE, S.NOTIFIED}:
        return LetterDecision(outcome="ineligible", motivation=review.reason)
    return None


def letter_date(dossier):
    """The date of the letter: the day the decision was notified, today before."""
    notified_at = (
        TransitionLog.objects.filter(application=dossier, transition="notify")
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )
    return timezone.localdate(notified_at) if notified_at else timezone.localdate()


def letter_filename(dossier) -> str:
    return f"decision-{dossier.reference}.pdf"


def render_letter_html(dossier) -> str:
    """The letter as HTML (what WeasyPrint prints)."""
    context = {
        "city": CITY,
        "appeal_notice": APPEAL_NOTICE,
        "dossier": dossier,
        "call": dossier.call,
        "organization": dossier.organization,
        "recipient_name": dossier.organization.name,
        "recipient_address": dossier.organization.address,
        "decision": letter_decision(dossier),
        "date": letter_date(dossier),
        "convention_threshold": settings.CONVENTION_THRESHOLD_EUR,
    }
    with translation.override(settings.LANGUAGE_CODE):
        return typography.html(render_to_string(LETTER_TEMPLATE, context), settings.LANGUAGE_CODE)


def render_decision_letter(dossier) -> bytes:
    """The decision letter of the dossier, as PDF bytes."""
    return html_to_pdf(render_letter_html(dossier))


def html_to_pdf(html: str, *more: str) -> bytes:
    """Self-contained HTML documents printed by WeasyPrint one after the other, as the
    bytes of one PDF, with the typography of their language (the letters and minutes
    are in French)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # No protocol allowed: the document cannot make the server fetch anything.
    fetcher = URLFetcher(allowed_protocols=set())
    documents = []
    for document in (html, *more):
        language = re.search(r'<html[^>]*\blang="([\w-]+)"', document)
        document = typography.html(
            document, language.group(1) if language else settings.LANGUAGE_CODE
        )
        documents.append(HTML(string=document, url_fetcher=fetcher).render())
    first = documents[0]
    if len(documents) == 1:
        return first.write_pdf()
    pages = [page for rendered in documents for page in rendered.pages]
    return first.copy(pages).write_pdf()


POSTED_LETTER_TEMPLATE = "letters/correspondence.html"


def posted_letter_filename(letter) -> str:
    if letter.application_id:
        return f"courrier-{letter.application.reference}-{letter.pk}.pdf"
    return f"courrier-proposition-{letter.nomination_id}-{letter.pk}.pdf"


def render_posted_letter_html(letter) -> str:
    """The cover of a letter to post, as HTML (what WeasyPrint prints)."""
    paragraphs = [part.strip() for part in letter.body_text.split("\n\n") if part.strip()]
    context = {
        "city": CITY,
        "letter": letter,
        "nomination": letter.nomination,
        "recipient_name": letter.recipient_name,
        "recipient_address": letter.recipient_address,
        "paragraphs": paragraphs,
        "date": timezone.localdate(letter.created_at),
    }
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(POSTED_LETTER_TEMPLATE, context)


def render_posted_letter(letter) -> bytes:
    """The letter to post to an organisation without an email address, as PDF bytes:
    the text of the email it replaces under the City's letterhead, addressed to the
    organisation's postal address; a decision letter is followed by the decision itself
    (the same letter the emails carry)."""
    cover = render_posted_letter_html(letter)
    if letter.category == "decision" and letter.application_id:
        return html_to_pdf(cover, render_letter_html(letter.application))
    return html_to_pdf(cover)
