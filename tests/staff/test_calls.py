"""Call management in the back-office: an administrator creates and edits a call with
its required documents, eligibility and scoring criteria, publishes it, closes it
early and clones it as a new edition. Forms are submitted as a browser would: the
rendered page is read back, changed where a person would type, and posted."""

from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from calls.backoffice import services as call_services
from calls.models import Call, EligibilityCriterion, Objective, RequiredDocument, ScoringCriterion
from reviews import services
from reviews.models import GovernanceBody, Jury
from tests.factories import CallFactory, UserFactory, assign_confirmed
from tests.web import page
from workflows import rules
from workflows.exceptions import ConditionNotMet, TransitionNotPermitted
from workflows.paths import attach_required_documents
from workflows.services import perform
from workflows.states import DossierState as S

CALLS = "/gestion/appels/"
CREATE = "/gestion/appels/nouveau/"


def detail(call):
    return f"/gestion/appels/{call.pk}/"


def edit(call):
    return f"/gestion/appels/{call.pk}/modifier/"


class FormReader(HTMLParser):
    """What a browser would post for the first ``<form method="post">`` of the page's
    main content: inputs and textareas with their values, checked boxes, selected
    options."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.data = {}
        self.in_main = False
        self.inside = False
        self.done = False
        self.select = None
        self.textarea = None
        self.feed(html)

    def add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.in_main = True
        if tag == "form" and attrs.get("method") == "post" and self.in_main and not self.done:
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.add(name, attrs.get("value", "on"))
            elif kind not in ("submit", "button"):
                self.add(name, attrs.get("value") or "")
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.add(self.select, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self.textarea = name
            self.add(name, "")

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            # A browser drops the newline that follows <textarea>.
            value = self.data[self.textarea][-1]
            self.data[self.textarea][-1] = value[1:] if value.startswith("\n") else value
            self.textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_of(response) -> dict:
    """The form's data as a browser would post it (lists for repeated names)."""
    assert response.status_code in (200, 400), response.status_code
    return FormReader(response.content.decode()).data


def flat(data):
    return {name: values if len(values) != 1 else values[0] for name, values in data.items()}


def field_error(response, field_id) -> str:
    """The error shown next to a field (``_field.html`` / checkbox groups)."""
    return page(response).text(f"{field_id}_error")


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.administrator)
    return client


def new_call_data(client, world, **changes):
    """The creation form filled in as a person would (two documents, one eligibility
    criterion, two scoring criteria), then ``changes``."""
    data = form_of(client.get(CREATE))
    objectives = Objective.objects.filter(number__in=(4, 8)).order_by("number")
    data.update(
        {
            "kind": ["ami"],
            "title": ["AMI Mobilité solidaire"],
            "theme": ["Mobilité"],
            "description": ["Se déplacer dans la ville, pour tous."],
            "eligible_applicants": ["Associations dont le siège est à Bordeaux."],
            "objectives": [str(o.pk) for o in objectives],
            "opens_at": ["2027-03-01T09:00"],
            "closes_at": ["2027-04-30T18:00"],
            "budget": ["150 000"],
            "max_grant": ["20000,50"],
            "opinions_required": ["on"],
            "governance_bodies": [str(world.body.pk)],
            "instructors": [str(world.instructor.pk)],
            "required_documents-0-label": ["Statuts"],
            "required_documents-0-mandatory": ["on"],
            "required_documents-1-label": ["Rapport d'activité"],
            "required_documents-1-help_text": ["Celui de l'an dernier."],
            "required_documents-1-mandatory": [],  # unticked: optional
            "eligibility_criteria-0-label": ["Siège à Bordeaux"],
            "scoring_criteria-0-label": ["Ancrage local"],
            "scoring_criteria-0-weight": ["1,5"],
            "scoring_criteria-0-max_score": ["5"],
            "scoring_criteria-1-label": ["Caractère innovant"],
            "scoring_criteria-1-weight": ["1"],
            "scoring_criteria-1-max_score": ["10"],
        }
    )
    data.update(
        {name: [value] if isinstance(value, str) else value for name, value in changes.items()}
    )
    return flat(data)


def test_an_administrator_creates_a_call_with_its_lists(admin_client, world):
    # Amounts typed the French way ("20000,50"), on the French site.
    response = admin_client.post(
        CREATE, new_call_data(admin_client, world), HTTP_ACCEPT_LANGUAGE="fr"
    )

    call = Call.objects.get(title="AMI Mobilité solidaire")
    assert response.status_code == 302
    assert response["Location"] == detail(call)
    assert call.kind == Call.Kind.AMI
    assert call.is_published is False  # published in a second step
    assert call.budget == Decimal("150000")
    assert call.max_grant == Decimal("20000.50")
    paris = timezone.get_current_timezone()
    assert timezone.localtime(call.opens_at, paris).strftime("%Y-%m-%d %H:%M") == "2027-03-01 09:00"
    assert sorted(call.objectives.values_list("number", flat=True)) == [4, 8]
    assert list(call.governance_bodies.all()) == [world.body]
    assert list(call.instructors.all()) == [world.instructor]
    documents = list(call.required_documents.values_list("label", "help_text", "mandatory"))
    assert documents == [
        ("Statuts", "", True),
        ("Rapport d'activité", "Celui de l'an dernier.", False),
    ]
    assert list(call.eligibility_criteria.values_list("label", flat=True)) == ["Siège à Bordeaux"]
    assert list(call.scoring_criteria.values_list("label", "weight", "max_score")) == [
        ("Ancrage local", Decimal("1.5"), 5),
        ("Caractère innovant", Decimal("1"), 10),
    ]
    shown = admin_client.get(detail(call))
    text = page(shown).text("content")
    assert "Rapport d'activité" in text and "Siège à Bordeaux" in text
    assert "Ancrage local" in text and "Not published" in text


def test_a_new_call_offers_blank_rows_to_add_to_each_list(admin_client):
    data = form_of(admin_client.get(CREATE))

    for prefix in ("required_documents", "eligibility_criteria", "scoring_criteria"):
        assert data[f"{prefix}-TOTAL_FORMS"] == ["3"]
        assert data[f"{prefix}-0-label"] == [""]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        (
            {"opens_at": "2027-05-01T09:00", "closes_at": "2027-04-30T18:00"},
            "closes_at",
            "The closing date must be after the opening date.",
        ),
        ({"budget": "-5000"}, "budget", "The amount cannot be negative."),
        ({"budget": "douze mille"}, "budget", "must be a number of euros"),
        ({"budget": "10000", "max_grant": "20000"}, "max_grant", "cannot be more than the budget"),
        ({"objectives": []}, "objectives", "Choose at least one objective"),
        ({"kind": "prize", "year": ""}, "year", "Give the year of the prize edition."),
        (
            {"kind": "prize", "year": "2027", "special_prize_count": "30"},
            "special_prize_count",
            "at most 28",
        ),
        ({"closes_at": "demain"}, "closes_at", "Enter a date and a time"),
    ],
)
def test_a_wrong_field_is_explained_next_to_it_and_nothing_typed_is_lost(
    admin_client, world, changes, field, message
):
    data = new_call_data(admin_client, world, **changes)

    response = admin_client.post(CREATE, data)

    assert response.status_code == 400
    assert message in field_error(response, f"id_{field}")
    assert message in page(response).text("content")  # also in the summary at the top
    assert not Call.objects.filter(title="AMI Mobilité solidaire").exists()
    again = flat(form_of(response))
    for name in ("title", "description", "required_documents-1-label", "scoring_criteria-0-weight"):
        assert again[name] == data[name]
    assert again["budget"] == data["budget"]


def test_a_row_with_a_wrong_weight_is_explained_on_its_row(admin_client, world):
    data = new_call_data(admin_client, world, **{"scoring_criteria-1-weight": "-1"})

    response = admin_client.post(CREATE, data)

    assert response.status_code == 400
    assert field_error(response, "id_scoring_criteria-1-weight")  # Django's own wording
    assert "0" in field_error(response, "id_scoring_criteria-1-weight")
    assert not Call.objects.filter(title="AMI Mobilité solidaire").exists()


def test_editing_changes_fields_and_rows_removes_and_adds_rows(admin_client, world):
    call = world.call
    statutes = call.required_documents.get()
    EligibilityCriterion.objects.create(call=call, label="Siège à Bordeaux")
    data = form_of(admin_client.get(edit(call)))
    assert data["title"] == [call.title]
    assert data["required_documents-0-label"] == [statutes.label]
    assert data["required_documents-TOTAL_FORMS"] == ["4"]  # the row and 3 blank ones

    data.update(
        {
            "title": ["AMI Accès aux droits — printemps"],
            "required_documents-0-label": ["Statuts à jour"],
            "required_documents-1-label": ["Budget prévisionnel"],
            "required_documents-1-mandatory": ["on"],
            "eligibility_criteria-0-DELETE": ["on"],
            "scoring_criteria-0-label": ["Utilité sociale"],
            "scoring_criteria-0-weight": ["2"],
            "scoring_criteria-0-max_score": ["5"],
            "instructors": [str(world.instructor.pk), str(world.other_instructor.pk)],
        }
    )
    response = admin_client.post(edit(call), flat(data))

    assert response.status_code == 302
    call.refresh_from_db()
    assert call.title == "AMI Accès aux droits — printemps"
    assert list(call.required_documents.values_list("pk", "label", "position")) == [
        (statutes.pk, "Statuts à jour", 0),
        (call.required_documents.get(label="Budget prévisionnel").pk, "Budget prévisionnel", 1),
    ]
    assert not call.eligibility_criteria.exists()
    assert list(call.scoring_criteria.values_list("label", "weight")) == [
        ("Utilité sociale", Decimal("2"))
    ]
    assert set(call.instructors.all()) == {world.instructor, world.other_instructor}
    history = LogEntry.objects.filter(object_id=str(call.pk)).latest("action_time")
    assert "title" in history.change_message


def test_a_scored_criterion_cannot_be_removed(admin_client, prize_world):
    world = prize_world
    criterion = ScoringCriterion.objects.create(call=world.call, label="Ancrage local")
    dossier = world.dossier(S.IN_JURY)
    assign_confirmed(dossier, world.juror, by=world.administrator)
    services.save_scorecard(dossier, world.juror, {criterion.pk: 4}, submit=True)
    admin_client.force_login(world.administrator)
    data = form_of(admin_client.get(edit(world.call)))
    data["scoring_criteria-0-DELETE"] = ["on"]

    response = admin_client.post(edit(world.call), flat(data))

    assert response.status_code == 400
    assert "“Ancrage local” already has jurors' scores" in page(response).text("scoring_criteria")
    assert ScoringCriterion.objects.filter(pk=criterion.pk).exists()


def test_the_kind_of_a_call_with_dossiers_cannot_change(admin_client, world):
    world.dossier(S.SUBMITTED)
    data = form_of(admin_client.get(edit(world.call)))
    data.update(kind=["prize"], year=["2027"])

    response = admin_client.post(edit(world.call), flat(data))

    assert response.status_code == 400
    assert "already has dossiers" in field_error(response, "id_kind")
    world.call.refresh_from_db()
    assert world.call.kind == Call.Kind.AMI


def test_jury_members_are_chosen_among_the_jurors(admin_client, world):
    data = new_call_data(
        admin_client,
        world,
        kind="prize",
        year="2028",
        jury_scores="on",
        jurors=[str(world.juror.pk)],
    )

    response = admin_client.post(CREATE, data, HTTP_ACCEPT_LANGUAGE="fr")  # "20000,50"

    assert response.status_code == 302
    call = Call.objects.get(title="AMI Mobilité solidaire")
    assert list(call.jury.members.all()) == [world.juror]
    refused = new_call_data(admin_client, world, jurors=[str(world.instructor.pk)])
    assert admin_client.post(CREATE, refused, HTTP_ACCEPT_LANGUAGE="fr").status_code == 400


# ------------------------------------------------------------------- publish


def test_publishing_shows_the_call_to_applicants(admin_client, world):
    call = CallFactory(is_published=False)

    response = admin_client.post(f"/gestion/appels/{call.pk}/publier/")

    assert response.status_code == 302
    call.refresh_from_db()
    assert call.is_published is True
    assert call.is_open()


def test_a_call_whose_closing_date_is_past_is_not_published(admin_client, world):
    now = timezone.now()
    call = CallFactory(
        is_published=False, opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1)
    )

    response = admin_client.post(f"/gestion/appels/{call.pk}/publier/", follow=True)

    assert "The closing date is past" in page(response).text("content")
    call.refresh_from_db()
    assert call.is_published is False


def test_publishing_is_a_post(admin_client, world):
    call = CallFactory(is_published=False)

    assert admin_client.get(f"/gestion/appels/{call.pk}/publier/").status_code == 405
    call.refresh_from_db()
    assert call.is_published is False


# --------------------------------------------------------------- close early


def test_closing_early_asks_for_confirmation_then_stops_submissions(admin_client, world):
    draft = world.dossier(S.DRAFT)
    attach_required_documents(draft, world.applicant)
    url = f"/gestion/appels/{world.call.pk}/cloturer/"

    confirmation = admin_client.get(url)
    assert confirmation.status_code == 200
    assert "1 draft dossier has not been submitted yet" in page(confirmation).text("content")
    world.call.refresh_from_db()
    assert world.call.is_open()  # nothing changed by looking

    before = timezone.now()
    response = admin_client.post(url, {"reason": "Enveloppe budgétaire épuisée."})

    assert response.status_code == 302
    world.call.refresh_from_db()
    assert before <= world.call.closes_at <= timezone.now()
    assert not world.call.is_open()
    with pytest.raises(ConditionNotMet):
        perform(draft, "submit", world.applicant)
    history = LogEntry.objects.filter(object_id=str(world.call.pk)).latest("action_time")
    assert "Enveloppe budgétaire épuisée." in history.change_message


def test_a_call_not_open_yet_is_not_closed_early(admin_client, world):
    now = timezone.now()
    call = CallFactory(opens_at=now + timedelta(days=5), closes_at=now + timedelta(days=30))
    closes_at = call.closes_at

    response = admin_client.post(f"/gestion/appels/{call.pk}/cloturer/", {"reason": ""})

    assert response.status_code == 400
    assert "has not opened yet" in page(response).text("content")
    call.refresh_from_db()
    assert call.closes_at == closes_at


# --------------------------------------------------------------------- clone


def test_cloning_keeps_the_configuration_and_none_of_the_dossiers(admin_client, world):
    source = world.call
    EligibilityCriterion.objects.create(call=source, label="Siège à Bordeaux")
    ScoringCriterion.objects.create(call=source, label="Ancrage local", weight=Decimal("2"))
    world.dossier(S.SUBMITTED)
    world.dossier(S.DRAFT)
    url = f"/gestion/appels/{source.pk}/nouvelle-edition/"
    data = form_of(admin_client.get(url))
    assert data["title"] == [f"{source.title} (new edition)"]

    data.update(opens_at=["2027-09-01T09:00"], closes_at=["2027-10-15T18:00"])
    response = admin_client.post(url, flat(data))

    clone = Call.objects.exclude(pk=source.pk).get()
    assert response.status_code == 302
    assert response["Location"] == detail(clone)
    assert clone.title == f"{source.title} (new edition)"
    assert clone.is_published is False
    assert timezone.localtime(clone.opens_at).strftime("%Y-%m-%d %H:%M") == "2027-09-01 09:00"
    assert timezone.localtime(clone.closes_at).strftime("%Y-%m-%d %H:%M") == "2027-10-15 18:00"
    for name in ("kind", "theme", "description", "budget", "max_grant", "opinions_required"):
        assert getattr(clone, name) == getattr(source, name)
    assert set(clone.objectives.all()) == set(source.objectives.all())
    assert list(clone.required_documents.values_list("label", "mandatory")) == list(
        source.required_documents.values_list("label", "mandatory")
    )
    assert list(clone.eligibility_criteria.values_list("label", flat=True)) == ["Siège à Bordeaux"]
    assert list(clone.scoring_criteria.values_list("label", "weight")) == [
        ("Ancrage local", Decimal("2"))
    ]
    assert list(clone.governance_bodies.all()) == [world.body]
    assert list(clone.instructors.all()) == [world.instructor]
    assert list(clone.jury.members.all()) == [world.juror]
    assert clone.jury.pk != source.jury.pk
    assert not clone.applications.exists()
    assert source.applications.count() == 2
    # The copies are the clone's own: changing them leaves the source as it was.
    clone.required_documents.update(label="Changé")
    assert source.required_documents.get().label == "Statuts de l'association"


def test_cloning_a_prize_edition_moves_to_the_next_year(admin_client, prize_world):
    admin_client.force_login(prize_world.administrator)
    source = prize_world.call
    source.year = 2029
    source.save()
    url = f"/gestion/appels/{source.pk}/nouvelle-edition/"
    data = form_of(admin_client.get(url))
    assert data["year"] == ["2030"]

    data.update(
        title=["Prix Bordeaux Terre de Solidarités 2030"],
        opens_at=["2030-01-10T09:00"],
        closes_at=["2030-03-10T18:00"],
    )
    assert admin_client.post(url, flat(data)).status_code == 302

    clone = Call.objects.get(title="Prix Bordeaux Terre de Solidarités 2030")
    assert clone.year == 2030
    assert clone.kind == Call.Kind.PRIZE
    assert (clone.highlighted_count, clone.special_prize_count) == (28, 4)
    assert clone.special_prize_amount == source.special_prize_amount


def test_a_clone_with_wrong_dates_is_explained(admin_client, world):
    url = f"/gestion/appels/{world.call.pk}/nouvelle-edition/"
    data = form_of(admin_client.get(url))
    data.update(opens_at=["2027-09-01T09:00"], closes_at=["2027-08-01T18:00"])

    response = admin_client.post(url, flat(data))

    assert response.status_code == 400
    assert "after the opening date" in field_error(response, "id_closes_at")
    assert Call.objects.count() == 1


# -------------------------------------------------------------------- access


def test_an_instructor_sees_only_the_calls_they_instruct(client, world):
    other = CallFactory(title="AMI Alimentation durable")
    client.force_login(world.instructor)

    listing = client.get(CALLS)

    assert listing.status_code == 200
    text = page(listing).text("content")
    assert world.call.title in text
    assert "AMI Alimentation durable" not in text
    assert "Create a call" not in text
    assert client.get(detail(world.call)).status_code == 200
    assert client.get(detail(other)).status_code == 404


def staff_urls(call):
    base = f"/gestion/appels/{call.pk}/"
    return [
        ("get", CALLS),
        ("get", CREATE),
        ("get", base),
        ("get", base + "modifier/"),
        ("post", base + "publier/"),
        ("get", base + "cloturer/"),
        ("post", base + "cloturer/"),
        ("get", base + "nouvelle-edition/"),
    ]


@pytest.mark.parametrize(
    "role", ["applicant", "other_applicant", "governance", "juror", "other_instructor"]
)
def test_who_is_not_staff_of_the_call_gets_404_everywhere(client, world, role):
    client.force_login(world.roles()[role])
    call = world.call
    call.is_published = False
    call.save()

    for method, url in staff_urls(call):
        response = getattr(client, method)(url)
        if role == "other_instructor" and url == CALLS:
            assert response.status_code == 200  # their own (empty) list
            assert call.title not in response.content.decode()
        else:
            assert response.status_code == 404, (role, method, url)
    call.refresh_from_db()
    assert call.is_published is False


def test_an_instructor_cannot_change_the_call_they_instruct(client, world):
    client.force_login(world.instructor)

    for method, url in staff_urls(world.call)[1:]:
        if url == detail(world.call):
            continue
        assert getattr(client, method)(url).status_code == 404, (method, url)


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    for method, url in staff_urls(world.call):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/comptes/login/")


def test_the_services_refuse_who_is_not_an_administrator(world):
    setup = call_services.CallSetup(objectives=list(world.call.objectives.all()))
    now = timezone.now()
    for user in (world.instructor, world.applicant, world.juror):
        with pytest.raises(TransitionNotPermitted):
            call_services.create_call(
                user,
                setup,
                kind="ami",
                title="Intrus",
                opens_at=now,
                closes_at=now + timedelta(days=3),
            )
        with pytest.raises(TransitionNotPermitted):
            call_services.close_call_early(user, world.call)
        with pytest.raises(TransitionNotPermitted):
            call_services.clone_call(
                user, world.call, opens_at=now, closes_at=now + timedelta(days=3)
            )
    assert Call.objects.count() == 1


def test_set_instructors_takes_only_instructors(world):
    call_services.set_instructors(world.administrator, world.call, [world.other_instructor])
    assert list(world.call.instructors.all()) == [world.other_instructor]

    outsider = UserFactory(roles=[rules.JURORS])
    with pytest.raises(Exception, match="instructors group"):
        call_services.set_instructors(world.administrator, world.call, [outsider])
    assert list(world.call.instructors.all()) == [world.other_instructor]


def test_governance_bodies_and_documents_unknown_to_the_call_stay_untouched(admin_client, world):
    """Editing one call never changes the rows of another."""
    other = CallFactory()
    other_body = GovernanceBody.objects.create(name="Conseil citoyen")
    other.governance_bodies.add(other_body)
    data = form_of(admin_client.get(edit(world.call)))
    data["required_documents-0-DELETE"] = ["on"]

    assert admin_client.post(edit(world.call), flat(data)).status_code == 302

    assert not world.call.required_documents.exists()
    assert other.required_documents.count() == 1
    assert list(other.governance_bodies.all()) == [other_body]
    assert RequiredDocument.objects.count() == 1
    assert Jury.objects.filter(call=world.call).exists()
