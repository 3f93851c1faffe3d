"""The header's menus by role: the applicant's space for applicants (and staff who are
members of an organisation), the staff space with every back-office page of each role
the user holds, the current page marked, and the same few queries whatever the links."""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import MembershipFactory
from workflows import rules

pytestmark = pytest.mark.django_db

STAFF_NAV = re.compile(
    r'<nav class="space space-staff" aria-labelledby="staff-space-label">(.*?)</nav>', re.S
)
APPLICANT_NAV = re.compile(
    r'<nav class="space space-applicant" aria-labelledby="applicant-space-label">(.*?)</nav>',
    re.S,
)


def _links(html, pattern):
    found = pattern.search(html)
    if found is None:
        return None
    return re.findall(r'<a href="([^"]+)"', found.group(1).replace("&amp;", "&"))


def menus(client, user, url=None):
    client.force_login(user)
    html = client.get(url or reverse("home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    return _links(html, APPLICANT_NAV), _links(html, STAFF_NAV), html


ADMIN_PAGES = [
    reverse("staff_dossier_list"),
    reverse("staff_call_list"),
    reverse("staff_consultations"),
    reverse("staff_juries"),
    reverse("staff_decisions"),
    reverse("outbox_list"),
    reverse("outbox_sent"),
    reverse("outbox_sent") + "?status=failed",
    reverse("staff_audit"),
]


def test_an_administrator_reaches_every_back_office_page_from_the_staff_menu(client, world):
    applicant, staff, _html = menus(client, world.administrator)
    assert applicant is None  # not a member of any organisation
    for url in ADMIN_PAGES:
        assert url in staff
    for url in staff:
        assert client.get(url).status_code == 200, url


def test_each_role_has_its_own_pages(client, world):
    _a, instructor, _h = menus(client, world.instructor)
    assert reverse("staff_dossier_list") + "?state=submitted" in instructor
    assert reverse("staff_audit") not in instructor
    _a, governance, _h = menus(client, world.governance)
    assert reverse("staff_opinion_queue") in governance
    assert reverse("staff_dossier_list") not in " ".join(governance)
    _a, juror, _h = menus(client, world.juror)
    assert reverse("staff_jury_queue") in juror
    assert reverse("staff_opinion_queue") not in juror
    for user in (world.instructor, world.governance, world.juror):
        client.force_login(user)
        for url in menus(client, user)[1]:
            assert client.get(url).status_code == 200, (user.email, url)


def test_an_applicant_sees_only_the_applicant_space(client, world):
    applicant, staff, html = menus(client, world.applicant)
    assert applicant == [reverse("dashboard"), reverse("org_list")]
    assert staff is None
    assert "Espace association" in html
    assert "Espace agents" not in html


def test_a_person_with_both_hats_sees_both_spaces_labelled(client, world):
    MembershipFactory(user=world.juror, organization=world.other_organization)
    applicant, staff, html = menus(client, world.juror)
    assert applicant == [reverse("dashboard"), reverse("org_list")]
    assert reverse("staff_jury_queue") in staff
    assert 'id="applicant-space-label">Espace association<' in html
    assert 'id="staff-space-label">Espace agents<' in html


def test_the_current_page_is_marked_once(client, world):
    client.force_login(world.administrator)
    failing = reverse("outbox_sent") + "?status=failed"
    html = client.get(failing).content.decode()
    assert html.count('aria-current="page"') == 1
    assert f'<a href="{failing.replace("&", "&amp;")}" aria-current="page">' in html
    html = client.get(reverse("outbox_sent")).content.decode()
    assert f'<a href="{reverse("outbox_sent")}" aria-current="page">' in html
    # A filtered page of the instructor's list is still their list.
    client.force_login(world.instructor)
    html = client.get(reverse("staff_dossier_list") + "?state=eligible").content.decode()
    assert 'aria-current="page">Dossiers to instruct<' in html


def test_the_menus_cost_the_same_queries_whatever_the_roles(
    client, world, django_assert_max_num_queries
):
    user = world.administrator
    user.groups.add(*rules_groups(rules.JURORS, rules.GOVERNANCE_MEMBERS, rules.INSTRUCTORS))
    MembershipFactory(user=user, organization=world.other_organization)
    client.force_login(world.applicant)
    with django_assert_max_num_queries(10) as applicant_queries:
        client.get(reverse("public_call_list"))
    client.force_login(user)
    # One more for the menus, one for the administrators' failing-email warning (a COUNT).
    with django_assert_max_num_queries(len(applicant_queries) + 2):
        client.get(reverse("public_call_list"))


def rules_groups(*names):
    return list(Group.objects.filter(name__in=names))
