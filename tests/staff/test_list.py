"""The staff list of dossiers: who sees what, each filter, the search, the sorts,
fifty a page, the counts per state, and a number of queries that does not grow with
the number of dossiers."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization
from calls.models import Application, District, Objective
from tests.factories import ApplicationFactory, CallFactory, OrganizationFactory
from tests.web import page
from workflows.paths import advance
from workflows.states import DossierState as S

LIST = "/gestion/dossiers/"
STAFF_PAGE = re.compile(r'href="/gestion/dossiers/(\d+)/"')


def listed_ids(response) -> set[int]:
    """The dossiers the list links to (their staff page)."""
    return {int(pk) for pk in STAFF_PAGE.findall(response.content.decode())}


def listed_references(response) -> list[str]:
    """The references of the rows, in the order of the table."""
    rows = []
    in_body = False
    for tag, attrs in page(response).tags:
        if tag == "tbody":
            in_body = True
        if in_body and tag == "a" and STAFF_PAGE.match(f'href="{attrs.get("href", "")}"'):
            rows.append(int(attrs["href"].split("/")[3]))
    references = dict(Application.objects.filter(pk__in=rows).values_list("pk", "reference"))
    return [references[pk] for pk in rows]


def dossier(world, state=S.SUBMITTED, *, organization=None, districts=None, **fields):
    """A dossier of ``world.call`` brought to ``state``; ``districts`` set as the
    applicant would while building it."""
    organization = organization or world.organization
    fields.setdefault("total_budget", Decimal("100000"))
    made = ApplicationFactory(call=world.call, organization=organization, **fields)
    if districts is not None:
        Application.objects.filter(pk=made.pk).update(districts=districts)
    return advance(made, state, {**world.actors, "applicant": world.member_of(organization)})


@pytest.fixture
def admin(client, world):
    client.force_login(world.administrator)
    return client


def test_the_list_shows_every_dossier_but_the_drafts_and_links_to_each(admin, world):
    submitted = dossier(world, S.SUBMITTED)
    eligible = dossier(world, S.ELIGIBLE)
    notified = dossier(world, S.NOTIFIED)
    dossier(world, S.DRAFT)

    response = admin.get(LIST)

    assert response.status_code == 200
    assert listed_ids(response) == {submitted.pk, eligible.pk, notified.pk}
    assert f'href="/gestion/dossiers/{submitted.pk}/"' in response.content.decode()


def test_an_instructor_sees_only_the_dossiers_of_the_calls_they_instruct(client, world):
    mine = dossier(world, S.SUBMITTED)
    elsewhere = ApplicationFactory(call=CallFactory(), organization=world.organization)
    advance(elsewhere, S.SUBMITTED, world.actors)
    client.force_login(world.instructor)

    response = client.get(LIST)

    assert listed_ids(response) == {mine.pk}
    calls = page(response).text("id_filter_call")
    assert world.call.title in calls and elsewhere.call.title not in calls
    # A call of somebody else in the filter is refused, not a way to see its dossiers.
    probe = client.get(LIST, {"call": elsewhere.call.pk})
    assert probe.status_code == 400
    assert listed_ids(probe) == {mine.pk}


def test_an_instructor_of_no_call_sees_an_empty_list(client, world):
    dossier(world, S.SUBMITTED)
    client.force_login(world.other_instructor)

    response = client.get(LIST)

    assert response.status_code == 200
    assert listed_ids(response) == set()


@pytest.mark.parametrize("role", ["applicant", "other_applicant", "governance", "juror"])
def test_who_is_not_back_office_staff_gets_404(client, world, role):
    dossier(world, S.IN_CONSULTATION)
    client.force_login(world.roles()[role])

    for url in (LIST, LIST + "export.csv", LIST + "export.xlsx"):
        assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    for url in (LIST, LIST + "export.csv", LIST + "export.xlsx"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/comptes/login/")


# ------------------------------------------------------------------- filters


def test_filter_by_call(admin, world):
    here = dossier(world)
    other_call = CallFactory(title="AMI Alimentation durable")
    there = advance(
        ApplicationFactory(call=other_call, organization=world.organization),
        S.SUBMITTED,
        world.actors,
    )

    assert listed_ids(admin.get(LIST, {"call": world.call.pk})) == {here.pk}
    assert listed_ids(admin.get(LIST, {"call": other_call.pk})) == {there.pk}


def test_filter_by_state(admin, world):
    submitted = dossier(world, S.SUBMITTED)
    dossier(world, S.ELIGIBLE)

    assert listed_ids(admin.get(LIST, {"state": S.SUBMITTED})) == {submitted.pk}


def test_drafts_cannot_be_asked_for(admin, world):
    dossier(world, S.DRAFT)
    submitted = dossier(world, S.SUBMITTED)

    response = admin.get(LIST, {"state": S.DRAFT})

    assert response.status_code == 400
    assert listed_ids(response) == {submitted.pk}


def test_filter_by_objective(admin, world):
    first = dossier(world, objectives=(1, 8))
    dossier(world, objectives=(2,))
    objective_8 = Objective.objects.get(number=8)

    assert listed_ids(admin.get(LIST, {"objective": objective_8.pk})) == {first.pk}


def test_filter_by_district(admin, world):
    centre = dossier(world, districts=[District.CENTRE, District.BASTIDE])
    bastide = dossier(world, districts=[District.BASTIDE])
    dossier(world, districts=[])
    dossier(world, districts=[District.SUD])

    assert listed_ids(admin.get(LIST, {"district": District.CENTRE})) == {centre.pk}
    assert listed_ids(admin.get(LIST, {"district": District.BASTIDE})) == {centre.pk, bastide.pk}
    assert listed_ids(admin.get(LIST, {"district": District.CAUDERAN})) == set()


def test_filter_by_organisation_kind(admin, world):
    association = dossier(world)
    service = dossier(world, organization=OrganizationFactory(kind=Organization.Kind.CITY_SERVICE))

    by_kind = admin.get(LIST, {"kind": Organization.Kind.CITY_SERVICE})
    assert listed_ids(by_kind) == {service.pk}
    associations = admin.get(LIST, {"kind": Organization.Kind.ASSOCIATION})
    assert listed_ids(associations) == {association.pk}


def test_filter_by_requested_amount_range(admin, world):
    small = dossier(world, requested_amount=Decimal("2000"))
    middle = dossier(world, requested_amount=Decimal("12500.50"))
    large = dossier(world, requested_amount=Decimal("30000"))
    admin.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"  # amounts typed the French way

    assert listed_ids(admin.get(LIST, {"amount_min": "12 500,50"})) == {middle.pk, large.pk}
    assert listed_ids(admin.get(LIST, {"amount_max": "12500,49"})) == {small.pk}
    both = admin.get(LIST, {"amount_min": "2000", "amount_max": "12500.50"})
    assert listed_ids(both) == {small.pk, middle.pk}


def test_an_upside_down_range_is_explained(admin, world):
    small = dossier(world, requested_amount=Decimal("2000"))
    large = dossier(world, requested_amount=Decimal("30000"))

    response = admin.get(LIST, {"amount_min": "10000", "amount_max": "5000"})

    assert response.status_code == 400
    assert "below the lower bound" in page(response).text("content")
    assert listed_ids(response) == {large.pk}  # the valid bound still applies
    assert small.pk not in listed_ids(response)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"state": "accepted"}, "not in the list"),
        ({"objective": "999"}, "not in the list"),
        ({"district": "paris"}, "not in the list"),
        ({"kind": "company"}, "not in the list"),
        ({"call": "abc"}, "not one of yours"),
        ({"amount_min": "beaucoup"}, "must be a number of euros"),
    ],
)
def test_a_bad_filter_is_explained_not_a_crash(admin, world, params, message):
    listed = dossier(world)

    response = admin.get(LIST, params)

    assert response.status_code == 400
    assert message in page(response).text("content")
    assert listed_ids(response) == {listed.pk}


def test_filters_combine(admin, world):
    wanted = dossier(world, S.ELIGIBLE, districts=[District.SUD], requested_amount=Decimal("9000"))
    dossier(world, S.SUBMITTED, districts=[District.SUD], requested_amount=Decimal("9000"))
    dossier(world, S.ELIGIBLE, districts=[District.CENTRE], requested_amount=Decimal("9000"))
    dossier(world, S.ELIGIBLE, districts=[District.SUD], requested_amount=Decimal("19000"))

    response = admin.get(
        LIST,
        {
            "state": S.ELIGIBLE,
            "district": District.SUD,
            "amount_max": "10000",
            "call": world.call.pk,
        },
    )

    assert listed_ids(response) == {wanted.pk}


# -------------------------------------------------------------------- search


def test_search_on_reference_title_and_organisation(admin, world):
    by_title = dossier(world, title="Épicerie solidaire des Aubiers")
    by_organisation = dossier(
        world, organization=OrganizationFactory(name="Les Restos du Quai"), title="Repas"
    )
    other = dossier(world, title="Jardin partagé")

    assert listed_ids(admin.get(LIST, {"q": "aubiers"})) == {by_title.pk}
    assert listed_ids(admin.get(LIST, {"q": "RESTOS"})) == {by_organisation.pk}
    assert listed_ids(admin.get(LIST, {"q": other.reference.lower()})) == {other.pk}
    assert listed_ids(admin.get(LIST, {"q": "  jardin   partagé "})) == {other.pk}
    assert listed_ids(admin.get(LIST, {"q": "piscine"})) == set()


def test_search_takes_special_characters_literally(admin, world):
    percent = dossier(world, title="Réduction de 50% sur les repas")
    dossier(world, title="Réduction de 50 euros")
    dossier(world, title="Atelier d'écriture")

    assert listed_ids(admin.get(LIST, {"q": "50%"})) == {percent.pk}
    assert listed_ids(admin.get(LIST, {"q": "_"})) == set()
    assert admin.get(LIST, {"q": "'; DROP TABLE calls_application; --"}).status_code == 200
    assert Application.objects.count() == 3


# --------------------------------------------------------------------- sorts


@pytest.fixture
def three(world):
    """Three dossiers whose orders differ by every sortable column."""
    a = dossier(
        world,
        S.ELIGIBLE,
        title="b Maraude",
        organization=OrganizationFactory(name="Zèbre"),
        requested_amount=Decimal("5000"),
    )
    b = dossier(
        world,
        S.SUBMITTED,
        title="A Jardin",
        organization=OrganizationFactory(name="alpha"),
        requested_amount=Decimal("20000"),
    )
    c = dossier(
        world,
        S.AWAITING_DECISION,
        title="c Épicerie",
        organization=OrganizationFactory(name="Mistral"),
    )
    # No amount, as a prize nomination (it asks for none).
    Application.objects.filter(pk=c.pk).update(requested_amount=None)
    return a, b, c


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("reference", "abc"),
        ("-reference", "cba"),
        ("title", "bac"),  # case-insensitive
        ("-title", "cab"),
        ("organisation", "bca"),
        ("-organisation", "acb"),
        ("state", "bac"),  # in the order of the procedure
        ("-state", "cab"),
        ("amount", "abc"),  # no amount last
        ("-amount", "bac"),
    ],
)
def test_sorting(admin, three, sort, expected):
    by_letter = dict(zip("abc", three, strict=True))

    response = admin.get(LIST, {"sort": sort})

    assert listed_references(response) == [by_letter[x].reference for x in expected]


def test_last_change_first_by_default_and_unknown_sorts_are_ignored(admin, world, three):
    a, b, c = three
    Application.objects.filter(pk=a.pk).update(updated_at=b.updated_at.replace(year=2020))

    default = listed_references(admin.get(LIST))
    assert default == listed_references(admin.get(LIST, {"sort": "-updated"}))
    assert default == listed_references(admin.get(LIST, {"sort": "password"}))
    assert default[-1] == a.reference
    assert listed_references(admin.get(LIST, {"sort": "updated"}))[0] == a.reference


def test_column_headers_sort_and_keep_the_filters(admin, world, three):
    response = admin.get(LIST, {"state": S.ELIGIBLE, "sort": "title"})
    html = response.content.decode()

    assert 'aria-sort="ascending"' in html
    assert f'href="?state={S.ELIGIBLE}&amp;sort=-title"' in html  # the same column flips
    assert f'href="?state={S.ELIGIBLE}&amp;sort=reference"' in html


# ---------------------------------------------------------------- pagination


def bulk(world, count, state=S.SUBMITTED):
    """``count`` dossiers in ``state``, made quickly through the real transitions."""
    return [dossier(world, state) for _ in range(count)]


def test_fifty_dossiers_a_page_with_the_filters_kept(admin, world):
    bulk(world, 53)
    dossier(world, S.ELIGIBLE)

    first = admin.get(LIST, {"state": S.SUBMITTED})
    second = admin.get(LIST, {"state": S.SUBMITTED, "page": "2"})
    beyond = admin.get(LIST, {"state": S.SUBMITTED, "page": "9"})

    assert len(listed_ids(first)) == 50
    assert len(listed_ids(second)) == 3
    assert listed_ids(first).isdisjoint(listed_ids(second))
    assert listed_ids(beyond) == listed_ids(second)
    assert f'href="?state={S.SUBMITTED}&amp;page=2"' in first.content.decode()
    assert "53 dossiers" in page(first).text("dossiers-caption")


# -------------------------------------------------------------------- counts


def test_counts_per_state_follow_the_other_filters(admin, world):
    for _ in range(2):
        dossier(world, S.SUBMITTED, districts=[District.SUD])
    dossier(world, S.ELIGIBLE, districts=[District.SUD])
    dossier(world, S.ELIGIBLE, districts=[District.CENTRE])
    dossier(world, S.DRAFT, districts=[District.SUD])

    response = admin.get(LIST, {"district": District.SUD, "state": S.SUBMITTED})

    counts = page(response).text("content")
    assert f"{S.SUBMITTED.label} (2)" in counts
    assert f"{S.ELIGIBLE.label} (1)" in counts  # the state filter leaves the counts whole
    assert "All states (3)" in counts
    assert str(S.DRAFT.label) not in counts


# ------------------------------------------------------------------- queries


def queries_of(client, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST, params)
    assert response.status_code == 200
    return len(captured.captured_queries), len(listed_ids(response))


@pytest.mark.parametrize("role", ["administrator", "instructor"])
def test_the_number_of_queries_does_not_grow_with_the_dossiers(client, world, role):
    client.force_login(world.roles()[role])
    bulk(world, 5)
    params = {
        "q": "projet",
        "district": District.SUD,
        "objective": Objective.objects.get(number=1).pk,
    }
    Application.objects.update(districts=[District.SUD])
    few, shown_few = queries_of(client, **params)
    bulk(world, 55)
    Application.objects.update(districts=[District.SUD])
    many, shown_many = queries_of(client, **params)

    assert (shown_few, shown_many) == (5, 50)
    assert few == many
    assert many <= 10
