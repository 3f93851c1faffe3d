"""The organisation profile: create it (its creator becomes a member), edit it, see it
with its members; "My organisations" for people in several. SIRET and RNA are checked,
every error is shown next to its field and nothing typed is lost. Only members see or
edit an organisation: others get 404."""

import pytest
from django.conf import settings

from accounts.models import Membership, Organization
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.web import page

VALID = {
    "name": "Les Amis du Quai",
    "kind": "association",
    "siret": "732 829 320 00074",
    "rna": " w332012345 ",
    "address": "12 quai des Chartrons\n33000 Bordeaux",
    "contact_email": "contact@amisduquai.example.org",
    "phone": "05 56 10 20 30",
}


@pytest.fixture
def english(client):
    """Pages in English, the language of the source strings these tests read."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def member(db):
    return MembershipFactory(organization__name="Association Les Amis du Quartier").user


@pytest.fixture
def organization(member):
    return member.organizations.get()


def test_the_create_page_explains_each_field(client, english, member):
    client.force_login(member)

    response = client.get("/organisations/nouvelle/")

    assert response.status_code == 200
    html = page(response)
    assert len(html.all("h1")) == 1
    assert html.unlabelled_fields() == []
    assert {field["name"] for field in html.fields()} == set(VALID)
    assert "Moselle" in html.text("id_org_rna_helptext")
    assert "Spaces are allowed" in html.text("id_org_siret_helptext")


def test_creating_an_organisation_makes_its_creator_a_member(client, english, member):
    client.force_login(member)

    response = client.post("/organisations/nouvelle/", VALID)

    created = Organization.objects.get(name="Les Amis du Quai")
    assert response.status_code == 302
    assert response["Location"] == f"/organisations/{created.pk}/"
    assert created.siret == "73282932000074"
    assert created.rna == "W332012345"
    assert created.kind == Organization.Kind.ASSOCIATION
    assert list(created.members.all()) == [member]
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    text = page(detail).text("content")
    assert "732 829 320 00074" in text
    assert "W332012345" in text
    assert member.email in text
    assert "was created" in text  # the confirmation message


def test_a_user_may_belong_to_several_organisations(client, english, member, organization):
    client.force_login(member)
    client.post("/organisations/nouvelle/", VALID)
    MembershipFactory(organization=organization)

    response = client.get("/organisations/")

    html = page(response)
    cards = html.text("content")
    assert "Association Les Amis du Quartier" in cards and "Les Amis du Quai" in cards
    assert "2 members" in cards and "1 member" in cards
    links = {attrs.get("href") for attrs in html.all("a")}
    for org in Organization.objects.all():
        assert f"/organisations/{org.pk}/" in links
    assert 'href="/organisations/"' in response.content.decode()  # the menu link


def test_an_organisation_of_someone_else_is_not_listed(client, english, member):
    OrganizationFactory(name="Association Voisine")
    client.force_login(member)

    response = client.get("/organisations/")

    assert "Association Voisine" not in page(response).text("content")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("732 829 320 00075", "its check digit is wrong"),
        ("732 829 320", "exactly 14 digits"),
        ("7328A932000074", "exactly 14 digits"),
    ],
)
def test_a_wrong_siret_is_explained_next_to_the_field_and_nothing_typed_is_lost(
    client, english, member, typed, message
):
    client.force_login(member)

    response = client.post("/organisations/nouvelle/", {**VALID, "siret": typed})

    assert response.status_code == 400
    assert not Organization.objects.filter(name="Les Amis du Quai").exists()
    html = page(response)
    assert message in html.text("id_org_siret_error")
    field = next(f for f in html.fields() if f.get("name") == "siret")
    assert field.get("aria-invalid") == "true"
    assert "id_org_siret_error" in field.get("aria-describedby", "")
    assert message in html.text("error")  # the summary at the top links to the field
    assert html.value("id_org_siret") == typed
    assert html.value("id_org_name") == "Les Amis du Quai"
    assert html.value("id_org_phone") == "05 56 10 20 30"
    assert html.text("id_org_address") == "12 quai des Chartrons 33000 Bordeaux"
    assert html.value("id_org_rna") == VALID["rna"]


def test_a_wrong_rna_is_explained_next_to_the_field(client, english, member):
    client.force_login(member)

    response = client.post("/organisations/nouvelle/", {**VALID, "rna": "33201234"})

    assert response.status_code == 400
    assert "W followed by 9 digits" in page(response).text("id_org_rna_error")
    assert page(response).value("id_org_rna") == "33201234"
    assert page(response).text("id_org_siret_error") == ""


def test_an_association_from_alsace_moselle_may_have_no_rna(client, english, member):
    client.force_login(member)

    response = client.post(
        "/organisations/nouvelle/", {**VALID, "name": "Verein Strasbourg", "rna": ""}
    )

    assert response.status_code == 302
    assert Organization.objects.get(name="Verein Strasbourg").rna == ""


def test_name_and_kind_are_required(client, english, member):
    client.force_login(member)

    response = client.post("/organisations/nouvelle/", {**VALID, "name": " ", "kind": ""})

    assert response.status_code == 400
    html = page(response)
    assert "required" in html.text("id_org_name_error")
    assert "required" in html.text("id_org_kind_error")
    assert html.value("id_org_siret") == VALID["siret"]


def test_a_phone_number_with_letters_is_refused(client, english, member):
    client.force_login(member)

    response = client.post("/organisations/nouvelle/", {**VALID, "phone": "appelez-nous"})

    assert response.status_code == 400
    assert "digits only" in page(response).text("id_org_phone_error")


def test_a_member_edits_the_profile(client, english, member, organization):
    client.force_login(member)
    form = client.get(f"/organisations/{organization.pk}/modifier/")
    assert page(form).value("id_org_name") == "Association Les Amis du Quartier"

    response = client.post(
        f"/organisations/{organization.pk}/modifier/",
        {**VALID, "name": "Les Amis du Quartier (Bastide)", "siret": "73282932000074"},
    )

    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.name == "Les Amis du Quartier (Bastide)"
    assert organization.contact_email == VALID["contact_email"]
    assert organization.address == "12 quai des Chartrons\n33000 Bordeaux"


def test_a_rejected_edit_changes_nothing_and_keeps_what_was_typed(
    client, english, member, organization
):
    client.force_login(member)

    response = client.post(
        f"/organisations/{organization.pk}/modifier/",
        {**VALID, "name": "Nouveau nom", "siret": "73282932000075"},
    )

    assert response.status_code == 400
    assert "check digit" in page(response).text("id_org_siret_error")
    assert page(response).value("id_org_name") == "Nouveau nom"
    # The title still names the organisation as saved.
    assert "Association Les Amis du Quartier" in page(response).text_by_id.get("content", "")
    organization.refresh_from_db()
    assert organization.name == "Association Les Amis du Quartier"
    assert organization.siret == "73282932000074"


@pytest.mark.parametrize("suffix", ["", "modifier/", "quitter/"])
def test_a_non_member_gets_404(client, english, organization, suffix):
    outsider = MembershipFactory().user
    client.force_login(outsider)

    assert client.get(f"/organisations/{organization.pk}/{suffix}").status_code == 404
    assert client.post(f"/organisations/{organization.pk}/{suffix}", VALID).status_code in (
        404,
        405,
    )
    organization.refresh_from_db()
    assert organization.name == "Association Les Amis du Quartier"
    assert Membership.objects.filter(organization=organization).count() == 1


def test_an_unknown_organisation_is_404_like_a_forbidden_one(client, member):
    client.force_login(member)

    assert client.get("/organisations/999999/").status_code == 404


@pytest.mark.parametrize(
    "url", ["/organisations/", "/organisations/nouvelle/", "/organisations/1/modifier/"]
)
def test_anonymous_visitors_are_asked_to_log_in(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/?next=")


def test_html_in_the_organisation_name_is_shown_escaped(client, english, member):
    client.force_login(member)
    name = '<script>alert("x")</script><b>Asso</b>'

    response = client.post("/organisations/nouvelle/", {**VALID, "name": name})
    created = Organization.objects.get(name=name)

    for url in (
        "/organisations/",
        f"/organisations/{created.pk}/",
        f"/organisations/{created.pk}/modifier/",
        f"/organisations/{created.pk}/quitter/",
    ):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "<b>Asso</b>" not in html, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html, url
    assert response.status_code == 302


def test_the_pages_are_usable_with_a_screen_reader(client, english, member, organization):
    client.force_login(member)
    other = UserFactory()
    Membership.objects.create(user=other, organization=organization)

    for url in (
        "/organisations/",
        "/organisations/nouvelle/",
        f"/organisations/{organization.pk}/",
        f"/organisations/{organization.pk}/modifier/",
        f"/organisations/{organization.pk}/quitter/",
    ):
        response = client.get(url)
        html = page(response)
        assert response.status_code == 200, url
        assert len(html.all("h1")) == 1, url
        assert html.unlabelled_fields() == [], url
        ids = [attrs["id"] for _tag, attrs in html.tags if attrs.get("id")]
        assert len(ids) == len(set(ids)), url
