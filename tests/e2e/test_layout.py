"""The back office's layout in a real browser: it uses the width of the screen (up to
1,400 px of content), never scrolls sideways on a phone (390 px: tables scroll inside
their own box), and keeps the header row of a long table in view. Screenshots of the
pages at both widths are kept under test-results/layout/."""

from io import BytesIO

from django.urls import reverse
from PIL import Image

from workflows.states import DossierState as S

from .conftest import ARTIFACTS, E2E

pytestmark = E2E

LONG_TITLE = "Colocations solidaires intergénérationnelles et accompagnement administratif"


def staff_pages(world):
    long = world.dossier(S.SUBMITTED, title=LONG_TITLE)
    for state in (S.AWAITING_DECISION, S.SELECTED, S.NOTIFIED, S.ELIGIBLE):
        world.dossier(state)
    for _ in range(25):  # a list longer than the screen
        world.dossier(S.SUBMITTED)
    call = world.call.pk
    return {
        "dossiers": reverse("staff_dossier_list"),
        "dossier": reverse("staff_dossier_detail", args=[long.pk]),
        "calls": reverse("staff_call_list"),
        "call": reverse("staff_call_detail", args=[call]),
        "decisions": reverse("staff_decisions") + f"?call={call}",
        "emails held": reverse("outbox_list"),
        "emails sent": reverse("outbox_sent"),
        "consultations": reverse("staff_consultations"),
        "audit": reverse("staff_audit"),
        "ranking": reverse("staff_ranking", args=[call]),
    }


def test_staff_pages_use_the_width_and_never_scroll_sideways(site, world):
    pages = staff_pages(world)
    page = site.new_page(user=world.administrator)
    folder = ARTIFACTS / "layout"
    folder.mkdir(parents=True, exist_ok=True)
    too_wide, narrow, failed = {}, {}, {}

    for width in (390, 1280, 1600):
        page.set_viewport_size({"width": width, "height": 800})
        for name, url in pages.items():
            response = page.goto(url)
            if response.status != 200:
                failed[name] = response.status
                continue
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                too_wide[f"{name} at {width} px"] = scroll_width
            main = page.evaluate("document.querySelector('main').getBoundingClientRect().width")
            if width >= 1280 and main < min(width, 1432) - 1:  # 1,400 px and the margins
                narrow[f"{name} at {width} px"] = main
            if width != 1600:
                page.screenshot(
                    path=str(folder / f"{name.replace(' ', '-')}-{width}.png"), full_page=True
                )

    assert failed == {}
    assert too_wide == {}, "pages wider than the screen (scrollWidth)"
    assert narrow == {}, "back-office pages narrower than the screen allows"


def test_a_long_table_keeps_its_header_row_in_view(site, world):
    pages = staff_pages(world)
    page = site.new_page(user=world.administrator)
    page.set_viewport_size({"width": 1280, "height": 700})
    page.goto(pages["dossiers"])
    box = page.locator(".table-scroll").first
    header = box.locator("thead th").first
    assert box.evaluate("box => box.scrollHeight > box.clientHeight")  # longer than its box

    box.evaluate("box => box.scrollTo(0, 600)")

    assert box.evaluate("box => box.scrollTop") >= 500
    header_top = header.evaluate("cell => cell.getBoundingClientRect().top")
    box_top = box.evaluate("box => box.getBoundingClientRect().top")
    assert abs(header_top - box_top) <= 1  # still at the top of the table's box


def test_on_a_phone_a_wide_table_scrolls_inside_its_box(site, world):
    pages = staff_pages(world)
    page = site.new_page(user=world.administrator)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(pages["dossiers"])
    box = page.locator(".table-scroll").first

    assert box.evaluate("box => box.scrollWidth > box.clientWidth")  # the table is wider
    assert box.evaluate("box => box.getBoundingClientRect().right") <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def first_dark_row(image, left, right):
    """The first row of pixels with ink between columns left and right (or None)."""
    for y in range(image.height):
        if any(image.getpixel((x, y)) < 128 for x in range(left, right)):
            return y
    return None


def test_the_step_numbers_sit_on_the_first_line_of_their_step(site, world):
    draft = world.dossier(S.DRAFT)
    page = site.new_page(user=world.applicant)
    page.set_viewport_size({"width": 1280, "height": 800})  # the list beside the form
    page.goto(reverse("dossier_edit", args=[draft.pk, "quartiers"]))
    list_left = page.locator(".dossier-steps ol").bounding_box()["x"]
    steps = page.locator(".dossier-steps li")
    wrapped = 0

    for index in range(steps.count()):
        step, link = steps.nth(index), steps.nth(index).locator(".step-link")
        box, link_box = step.bounding_box(), link.bounding_box()
        wrapped += link_box["height"] > 30  # two lines or more
        # What the reader sees: the ink of the number and of the step's first line.
        clip = {
            "x": list_left,
            "y": box["y"],
            "width": box["x"] + box["width"] - list_left,
            "height": box["height"],
        }
        image = Image.open(BytesIO(page.screenshot(clip=clip))).convert("L")
        split = round(link_box["x"] - list_left)
        number_row = first_dark_row(image, 0, split)
        text_row = first_dark_row(image, split, image.width)
        assert number_row is not None and text_row is not None, f"step {index + 1}"
        assert abs(number_row - text_row) <= 4, f"step {index + 1}: the number is lower"

    assert wrapped  # the list has steps on two lines, where a list marker would drop
