"""The ranking page of a prize edition: scores from the counted scorecards, the
normalised score beside them, the disagreement flag, the tie-break, filters, pages,
the detail of a row (jurors named for administrators only) and the exports."""

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reviews import services
from reviews.models import Jury, Scorecard
from tests.factories import assign_confirmed
from tests.web import page


def url(call, **query):
    from urllib.parse import urlencode

    return reverse("staff_ranking", args=[call.pk]) + (f"?{urlencode(query)}" if query else "")


def ranked_references(response):
    content = response.content.decode()
    import re

    return re.findall(
        r'<tr id="rank-\d+"[^>]*>\s*<td>(\d+)</td>\s*<th scope="row">\s*(?:<a [^>]*>)?([A-Z]+-\d+-\d+)',
        content,
    )


def test_the_ranking_follows_the_hand_computed_scores(client, edition):
    # 3A + B/2: (4, 5) → 14.5 and (2, 10) → 11: mean 12.75; (5, 10) → 20 alone.
    low = edition.scored([(4, 5), (2, 10)])
    high = edition.scored([(5, 10)])
    client.force_login(edition.admin)

    response = client.get(url(edition.call))

    assert response.status_code == 200
    assert ranked_references(response) == [("1", high.reference), ("2", low.reference)]
    text = page(response).text(f"rank-{low.pk}")
    assert "12.75" in text
    # Dispersion of 14.5 and 11: 1.75, under the default threshold (4): no flag.
    assert "1.75" in text and "Strong disagreement" not in text
    assert "2 / 2" in text  # scorecards counted / expected


def test_a_strong_disagreement_is_flagged_and_filtered(client, edition):
    split = edition.scored([(5, 10), (1, 0)])  # 20 and 3: dispersion 8.5
    calm = edition.scored([(3, 4), (3, 4)])
    client.force_login(edition.admin)

    response = client.get(url(edition.call, disagreement="on"))

    assert [ref for _pos, ref in ranked_references(response)] == [split.reference]
    assert "Strong disagreement" in page(response).text(f"rank-{split.pk}")
    assert calm.reference not in response.content.decode()


def test_excluded_scorecards_do_not_count(client, edition):
    dossier = edition.scored([(5, 10), (1, 0)])
    Scorecard.objects.filter(application=dossier, juror=edition.jurors[1]).update(
        excluded_at=timezone.now(), excluded_reason="Conflit d'intérêts"
    )
    client.force_login(edition.admin)

    text = page(client.get(url(edition.call))).text(f"rank-{dossier.pk}")

    assert "20.00" in text and "1 / 2" in text


def test_ties_follow_the_stated_rule(client, edition):
    # 15 / 20 each: (4, 6) → 12 + 3 and (5, 0) → 15 + 0; the heaviest criterion decides.
    first = edition.scored([(4, 6)])
    second = edition.scored([(5, 0)])
    client.force_login(edition.admin)

    response = client.get(url(edition.call))

    assert [ref for _pos, ref in ranked_references(response)] == [
        second.reference,
        first.reference,
    ]
    assert "the higher average on “Ancrage local”" in response.content.decode()


def test_bad_filters_are_explained_and_left_out(client, edition):
    edition.scored([(4, 6)])
    client.force_login(edition.admin)

    response = client.get(url(edition.call, objective="999", size="7", sort="<script>", page="x"))

    assert response.status_code == 400
    assert "This value is not in the list" in response.content.decode()
    assert len(ranked_references(response)) == 1


def test_page_sizes(client, edition):
    for _ in range(3):
        edition.scored([(3, 3)], close=False)
    client.force_login(edition.admin)
    response = client.get(url(edition.call, size="50"))
    assert len(ranked_references(response)) == 3


def test_row_detail_names_jurors_for_administrators_only(client, edition):
    dossier = edition.scored([(4, 5), (2, 10)], comments=["Très ancré", "Peu innovant"])
    jury = Jury.objects.get(call=edition.call)
    president = edition.jurors[2]
    jury.president = president
    jury.save()
    detail = reverse("staff_ranking_row", args=[edition.call.pk, dossier.pk])

    client.force_login(edition.admin)
    content = client.get(detail).content.decode()
    assert edition.jurors[0].last_name in content and "Très ancré" in content

    client.force_login(president)
    response = client.get(detail)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Peu innovant" in content and "Juror 1" in content and "Juror 2" in content
    assert edition.jurors[0].email not in content
    assert edition.jurors[0].get_full_name() not in content

    # Another juror of the jury, not president: nothing.
    client.force_login(edition.jurors[1])
    assert client.get(detail).status_code == 404
    assert client.get(url(edition.call)).status_code == 404


def test_a_president_assigned_to_a_dossier_reads_its_scorecards_once_no_conflict_confirmed(
    client, edition
):
    """The no-conflict gate holds for the jury's president: assigned to a dossier and not
    having confirmed having no conflict of interest on it, they read none of its
    scorecards or comments (the rest of the ranking stays theirs)."""
    dossier = edition.scored(
        [(4, 5), (2, 10)], comments=["Très ancré", "Peu innovant"], close=False
    )
    jury = Jury.objects.get(call=edition.call)
    president = edition.jurors[2]
    jury.president = president
    jury.save()
    services.assign_juror(dossier, president, by=edition.admin)
    detail = reverse("staff_ranking_row", args=[edition.call.pk, dossier.pk])
    client.force_login(president)

    response = client.get(detail)
    assert response.status_code == 404
    assert "Peu innovant" not in response.content.decode()
    assert client.get(url(edition.call)).status_code == 200

    services.confirm_no_conflict(dossier, president)
    response = client.get(detail)
    assert response.status_code == 200
    assert "Peu innovant" in response.content.decode()


def test_exports_have_the_criteria_normalised_score_and_dispersion(client, edition):
    dossier = edition.scored([(4, 5), (2, 10)])
    client.force_login(edition.admin)

    csv = b"".join(
        client.get(reverse("staff_ranking_export_csv", args=[edition.call.pk])).streaming_content
    ).decode("utf-8-sig")
    header, row = csv.splitlines()[:2]
    assert "Normalised score (/20)" in header and "Ancrage local (average /5)" in header
    assert row.startswith(f"1;{dossier.reference};")
    assert ";12,75;" in row and ";1,75;" in row and ";3,00;" in row  # A: (4 + 2) / 2

    response = client.get(reverse("staff_ranking_export_xlsx", args=[edition.call.pk]))
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == dossier.reference
    assert float(rows[1][7]) == pytest.approx(12.75)


def test_the_ranking_follows_a_new_scorecard_at_once(client, edition):
    from reviews import services

    dossier = edition.scored([(5, 10)], close=False)  # 20
    client.force_login(edition.admin)
    assert "20.00" in page(client.get(url(edition.call))).text(f"rank-{dossier.pk}")

    assign_confirmed(dossier, edition.jurors[1], by=edition.admin)
    services.save_scorecard(
        dossier, edition.jurors[1], {edition.local.pk: 2, edition.innovation.pk: 10}, submit=True
    )  # 11: mean (20 + 11) / 2 = 15.5

    text = page(client.get(url(edition.call))).text(f"rank-{dossier.pk}")
    assert "15.50" in text and "2 / 2" in text

    Scorecard.objects.filter(application=dossier, juror=edition.jurors[1]).update(
        excluded_at=timezone.now()
    )
    assert "20.00" in page(client.get(url(edition.call))).text(f"rank-{dossier.pk}")


def test_the_ranking_follows_a_decision_and_each_language_keeps_its_notation(client, edition):
    """The ranking of a call is kept between pages: a decision recorded meanwhile
    shows on the next page, and one language's figures never leak into another's."""
    from workflows.services import perform
    from workflows.states import DossierState as S

    low = edition.scored([(4, 5), (2, 10)])  # 12.75
    client.force_login(edition.admin)
    assert "12.75" in page(client.get(url(edition.call))).text(f"rank-{low.pk}")
    french = client.get(url(edition.call), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "12,75" in french
    assert "12.75" in page(client.get(url(edition.call))).text(f"rank-{low.pk}")

    perform(low, "select", edition.admin, reason="Action exemplaire.")

    text = page(client.get(url(edition.call))).text(f"rank-{low.pk}")
    assert str(S.SELECTED.label) in text


def test_the_call_form_sets_median_and_threshold(client, edition):
    from tests.staff.test_calls import edit, form_of

    dossier = edition.scored([(2, 8), (4, 0), (5, 10)])  # marks 10, 12, 20
    client.force_login(edition.admin)
    data = form_of(client.get(edit(edition.call)))
    assert data["score_aggregate"] == ["mean"]
    data.update(score_aggregate=["median"], disagreement_threshold=["3.5"])

    assert client.post(edit(edition.call), data).status_code == 302

    edition.call.refresh_from_db()
    assert edition.call.score_aggregate == "median"
    text = page(client.get(url(edition.call))).text(f"rank-{dossier.pk}")
    # Median 12; dispersion of 10, 12, 20 around 14: √((16 + 4 + 36) / 3) = 4.32 ≥ 3.5.
    assert "12.00" in text and "4.32" in text and "Strong disagreement" in text
