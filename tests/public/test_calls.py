"""The list of calls and a call's page: what an association needs to know before it
applies, how its dossier will be examined, and the way to apply."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from calls.models import Application, EligibilityCriterion, RequiredDocument
from calls.public_views import time_left
from tests.factories import CallFactory, MembershipFactory, UserFactory
from tests.web import page
from workflows.flows import FLOWS
from workflows.states import DossierState as S

from . import get, section, words

PARIS = ZoneInfo("Europe/Paris")


def call_url(call) -> str:
    return reverse("public_call_detail", args=[call.pk])


# The list of calls.


def test_calls_list_splits_open_coming_and_closed_calls(client, db):
    now = timezone.now()
    CallFactory(title="AMI Lien social", theme="Lien social")
    CallFactory(
        title="AMI Habitat", opens_at=now + timedelta(days=5), closes_at=now + timedelta(days=30)
    )
    CallFactory(
        title="AMI Alimentation",
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=1),
    )
    CallFactory(title="AMI Brouillon de la Ville", is_published=False)

    response = get(client, "/appels/")

    assert response.status_code == 200
    open_now = section(response, "calls-open")
    coming = section(response, "calls-coming")
    closed = section(response, "calls-closed")
    assert "AMI Lien social" in open_now and "Theme: Lien social" in open_now
    assert "Call for expressions of interest (AMI)" in open_now
    assert "AMI Habitat" in coming and "AMI Habitat" not in open_now + closed
    assert "AMI Alimentation" in closed and "AMI Alimentation" not in open_now + coming
    assert "AMI Brouillon de la Ville" not in response.content.decode()


def test_calls_list_gives_the_dates_as_machine_readable_times(client, db):
    opens = datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)
    CallFactory(opens_at=opens, closes_at=opens + timedelta(days=30))

    html = page(get(client, "/appels/"))

    times = [attrs["datetime"] for attrs in html.all("time")]
    assert "2026-03-02T09:00:00+01:00" in times
    assert "2026-04-01T09:00:00+02:00" in times  # summer time in Paris


def test_the_menu_leads_to_the_calls(client, db):
    response = get(client, "/")

    menu_links = [a.get("href") for a in page(response).all("a")]
    assert "/appels/" in menu_links
    current = get(client, "/appels/")
    assert any(
        a.get("href") == "/appels/" and a.get("aria-current") == "page"
        for a in page(current).all("a")
    )


# A call's page.


@pytest.fixture
def detailed_call(world):
    call = world.call
    call.title = "AMI Accès aux droits 2027"
    call.theme = "Accès aux droits des personnes isolées"
    call.description = "Des projets qui vont vers les personnes isolées."
    call.eligible_applicants = "Associations ayant leur siège à Bordeaux."
    call.budget = Decimal("150000")
    call.max_grant = Decimal("23000")
    call.opens_at = datetime(2026, 1, 5, 9, 0, tzinfo=PARIS)
    call.closes_at = timezone.now() + timedelta(days=3, hours=1)
    call.save()
    call.objectives.set([obj for obj in call.objectives.all() if obj.number in (3, 9)])
    RequiredDocument.objects.create(call=call, label="Budget prévisionnel", mandatory=False)
    EligibilityCriterion.objects.create(call=call, label="Siège social à Bordeaux")
    return call


def test_call_page_gives_what_an_association_needs_to_know(client, detailed_call):
    call = detailed_call

    response = get(client, call_url(call))

    assert response.status_code == 200
    html = page(response)
    text = html.text("content")
    assert len(html.all("h1")) == 1 and call.title in text
    assert "Accès aux droits des personnes isolées" in text
    assert "Des projets qui vont vers les personnes isolées." in text
    assert "Who may apply Associations ayant leur siège à Bordeaux." in text
    assert "Siège social à Bordeaux" in html.text("call-criteria")
    documents = html.text("call-document-list")
    assert "Statuts de l'association (mandatory)" in documents
    assert "Budget prévisionnel (optional)" in documents
    funding = html.text("call-funding-details")
    assert "150,000 €" in funding and "23,000 €" in funding
    times = [attrs["datetime"] for attrs in html.all("time")]
    assert "2026-01-05T09:00:00+01:00" in times
    assert timezone.localtime(call.closes_at, PARIS).isoformat() in times
    assert html.text("call-status") == "Open — Closes in 3 days"


def test_call_page_lists_the_targeted_objectives_with_their_text_and_link(client, detailed_call):
    response = get(client, call_url(detailed_call))

    html = page(response)
    targeted = list(detailed_call.objectives.all())
    assert [o.number for o in targeted] == [3, 9]
    for objective in targeted:
        assert words(objective.text) in html.text("content")
    links = {a.get("href") for a in html.all("a")}
    assert {"/objectifs/#objectif-3", "/objectifs/#objectif-9"} <= links
    assert "/objectifs/#objectif-1" not in links


def test_prize_page_gives_the_prizes_rather_than_a_grant(client, prize_world):
    response = get(client, call_url(prize_world.call))

    funding = page(response).text("call-funding-details")
    assert "Highlighted actions 28" in funding
    assert "Special prizes (actions carried by associations) 4" in funding
    assert "5,000 €" in funding
    assert "Maximum grant" not in funding


def test_unpublished_call_page_is_not_found(client, world):
    world.call.is_published = False
    world.call.save()

    assert get(client, call_url(world.call)).status_code == 404
    assert get(client, "/appels/999999/").status_code == 404


def test_html_typed_in_a_call_is_shown_as_text(client, world):
    call = world.call
    call.title = "AMI <i>Lien</i>"
    call.description = '<script>alert("description")</script>\nSecond paragraph'
    call.eligible_applicants = "<img src=x onerror=alert(1)>"
    call.theme = "<b>gras</b>"
    call.save()

    for url in (call_url(call), "/appels/", "/"):
        html = get(client, url).content.decode()
        assert "<script>alert" not in html and "<b>gras</b>" not in html, url
        assert "<i>Lien</i>" not in html, url
    html = get(client, call_url(call)).content.decode()
    assert "&lt;script&gt;alert(&quot;description&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html


# The time left.


@pytest.mark.parametrize(
    ("left", "words_"),
    [
        (timedelta(days=3, hours=5), "Closes in 3 days"),
        (timedelta(days=1), "Closes in 1 day"),
        (timedelta(hours=23, minutes=59), "Closes in 23 hours"),
        (timedelta(hours=1), "Closes in 1 hour"),
        (timedelta(minutes=59), "Closes in less than an hour"),
        (timedelta(seconds=-1), "Closed"),
    ],
)
def test_time_left_in_words(left, words_):
    now = datetime(2026, 6, 1, 12, 0, tzinfo=PARIS)

    with translation.override("en"):
        assert time_left(now + left, now) == words_


def test_coming_and_closed_calls_say_so(client, db):
    now = timezone.now()
    coming = CallFactory(opens_at=now + timedelta(days=2), closes_at=now + timedelta(days=9))
    closed = CallFactory(opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=2))

    assert page(get(client, call_url(coming))).text("call-status") == "Not open yet"
    assert page(get(client, call_url(closed))).text("call-status") == "Closed"


# How the dossier will be examined.


def states_of_the_flow(kind) -> set[str]:
    """Every state a dossier of this kind can reach from its draft, read from the flow."""
    transitions = [t for ts in FLOWS[kind].state.get_transitions().values() for t in ts]
    reached, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        state = frontier.pop()
        for transition in transitions:
            if transition.source == state:
                for target in transition.declared_targets():
                    if target not in reached:
                        reached.add(target)
                        frontier.append(target)
    return {str(state) for state in reached}


def shown_steps(response) -> dict[str, str]:
    html = page(response)
    return {
        attrs["id"].removeprefix("step-"): html.text(attrs["id"])
        for attrs in html.all("li")
        if attrs.get("id", "").startswith("step-")
    }


@pytest.mark.parametrize("kind", ["ami", "prize"])
def test_every_state_a_dossier_can_meet_is_explained(client, world, prize_world, kind):
    call = world.call if kind == "ami" else prize_world.call
    call.jury_scores = True  # an AMI consulting its bodies and scored by a jury
    call.save()

    steps = shown_steps(get(client, call_url(call)))

    expected = states_of_the_flow(kind)
    assert S.IN_JURY in expected and S.NOTIFIED in expected
    assert set(steps) == expected
    for state, text in steps.items():
        label = str(S(state).label)
        assert text.startswith(label), state
        assert "Who acts:" in text, state
        assert len(text) > len(label) + 40, (state, text)  # a sentence, not a label
    assert (S.IN_CONSULTATION in steps) is (kind == "ami")


def test_steps_follow_the_set_up_of_the_call(client, world):
    call = world.call
    call.opinions_required = False
    call.jury_scores = False
    call.save()

    steps = shown_steps(get(client, call_url(call)))

    assert S.IN_CONSULTATION not in steps and S.IN_JURY not in steps
    assert {S.SUBMITTED, S.ELIGIBLE, S.AWAITING_DECISION, S.NOTIFIED} <= set(steps)


def test_steps_are_listed_in_order_from_the_draft_to_the_decision(client, world):
    html = page(get(client, call_url(world.call)))

    order = [
        attrs["id"].removeprefix("step-")
        for attrs in html.all("li")
        if attrs.get("id", "").startswith("step-")
    ]
    assert order.index("draft") < order.index("submitted") < order.index("awaiting_decision")
    assert order.index("awaiting_decision") < order.index("notified")


# Applying.


def test_anonymous_visitor_is_led_to_sign_up_or_log_in_then_back(client, world):
    url = call_url(world.call)

    response = get(client, url)

    links = {a.get("href") for a in page(response).all("a")}
    assert f"/comptes/signup/?next={url}" in links
    assert f"/comptes/login/?next={url}" in links
    assert 'action="/dossiers/nouveau/"' not in response.content.decode()


def test_member_starts_a_draft_from_the_call_page(client, world):
    client.force_login(world.applicant)
    url = call_url(world.call)

    response = get(client, url)

    html = page(response)
    assert html.unlabelled_fields() == []
    form = [f for f in html.all("form") if f.get("action") == "/dossiers/nouveau/"]
    assert len(form) == 1 and form[0].get("method") == "post"
    assert html.value("id_apply_call") == str(world.call.pk)
    options = [a.get("value") for a in html.all("option")]
    assert options == [str(world.organization.pk)]

    created = client.post(
        "/dossiers/nouveau/",
        {"call": world.call.pk, "organization": world.organization.pk, "title": "Maraude"},
    )

    dossier = Application.objects.get(call=world.call, title="Maraude")
    assert dossier.organization == world.organization and dossier.state == S.DRAFT
    assert created.status_code == 302


def test_member_of_several_organisations_chooses_one(client, world):
    MembershipFactory(user=world.applicant, organization=world.other_organization)
    client.force_login(world.applicant)

    html = page(get(client, call_url(world.call)))

    options = {a.get("value") for a in html.all("option")}
    assert {str(world.organization.pk), str(world.other_organization.pk)} <= options


def test_user_without_organisation_is_told_to_create_one(client, world):
    client.force_login(UserFactory())

    response = get(client, call_url(world.call))

    apply = section(response, "apply")
    assert "Your account is not linked to any organisation yet" in apply
    assert 'action="/dossiers/nouveau/"' not in response.content.decode()
    try:
        org_create = reverse("org_create")
    except NoReverseMatch:
        org_create = None
    if org_create:
        links = {a.get("href") for a in page(response).all("a")}
        assert f"{org_create}?next={call_url(world.call)}" in links


@pytest.mark.parametrize("period", ["coming", "closed"])
def test_no_apply_form_outside_the_opening_dates(client, world, period):
    now = timezone.now()
    call = world.call
    if period == "coming":
        call.opens_at, call.closes_at = now + timedelta(days=1), now + timedelta(days=9)
    else:
        call.opens_at, call.closes_at = now - timedelta(days=9), now - timedelta(days=1)
    call.save()
    client.force_login(world.applicant)

    response = get(client, call_url(call))

    assert 'action="/dossiers/nouveau/"' not in response.content.decode()
    apply = section(response, "apply")
    expected = "Applications open on" if period == "coming" else "This call is closed"
    assert expected in apply
