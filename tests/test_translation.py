"""The French translation: every string of the code in the catalogue and translated,
placeholders kept, the compiled catalogue in step with its source; French is what a
visitor gets unless they ask for English, through their browser or the language switch
of every page."""

import ast
import gettext
import html
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.web import detail_url
from workflows.states import DossierState as S

PO = settings.BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
NAMED = re.compile(r"%\((\w+)\)[sd]")
BRACED = re.compile(r"\{\w*\}")


# A small reader of PO files ---------------------------------------------------------


def read_po(path):
    """The entries of a PO file: dicts with ``msgctxt``, ``msgid``, ``msgid_plural``,
    ``msgstr`` (a list: one string, or one per plural form), ``flags`` and ``obsolete``."""
    entries = []
    for block in re.split(r"\n[ \t]*\n", path.read_text(encoding="utf-8").strip()):
        entry = {"msgctxt": None, "msgid_plural": None, "msgstr": {}, "flags": set()}
        entry["obsolete"] = False
        key = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                text = ast.literal_eval(line)
                if isinstance(key, int):
                    entry["msgstr"][key] += text
                else:
                    entry[key] += text
            else:
                keyword, _, value = line.partition(" ")
                text = ast.literal_eval(value)
                if keyword.startswith("msgstr"):
                    index = re.search(r"\[(\d+)\]", keyword)
                    key = int(index.group(1)) if index else 0
                    entry["msgstr"][key] = text
                else:
                    key = keyword
                    entry[key] = text
        entry["msgstr"] = [entry["msgstr"][index] for index in sorted(entry["msgstr"])]
        entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def catalogue():
    entries = read_po(PO)
    header = entries[0]
    assert header["msgid"] == ""
    return header, entries[1:]


def name(entry):
    return repr(entry["msgid"])[:90]


# The catalogue -----------------------------------------------------------------------


def test_the_catalogue_is_french_with_the_french_plural_rule(catalogue):
    header, _entries = catalogue
    fields = dict(line.split(": ", 1) for line in header["msgstr"][0].splitlines() if ": " in line)
    assert fields["Language"] == "fr"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    # One and zero take the singular in French: "0 dossier", "1 dossier", "2 dossiers".
    assert fields["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
    assert "fuzzy" not in header["flags"]


def test_every_entry_is_translated_and_none_is_fuzzy_or_obsolete(catalogue):
    _header, entries = catalogue
    assert len(entries) > 1000  # the whole site, not a sample
    untranslated = [name(e) for e in entries if not all(e["msgstr"])]
    fuzzy = [name(e) for e in entries if "fuzzy" in e["flags"]]
    obsolete = [name(e) for e in entries if e["obsolete"]]
    assert untranslated == []
    assert fuzzy == []
    assert obsolete == []
    plural = [e for e in entries if e["msgid_plural"] is not None]
    assert plural, "the site has plural strings"
    assert [name(e) for e in plural if len(e["msgstr"]) != 2] == []


def test_translations_keep_the_placeholders_of_the_english(catalogue):
    _header, entries = catalogue
    wrong = []
    for entry in entries:
        english = NAMED.findall(entry["msgid"]) + NAMED.findall(entry["msgid_plural"] or "")
        braces = BRACED.findall(entry["msgid"])
        if entry["msgid_plural"] is None:
            (french,) = entry["msgstr"]
            if sorted(NAMED.findall(french)) != sorted(english):
                wrong.append(name(entry))
            if sorted(BRACED.findall(french)) != sorted(braces):
                wrong.append(name(entry))
        else:
            # The singular may leave out the number ("La décision du dossier..."); the
            # plural keeps every placeholder of the English plural.
            singular, plural = entry["msgstr"]
            if not set(NAMED.findall(singular)) <= set(english):
                wrong.append(name(entry))
            if set(NAMED.findall(plural)) != set(NAMED.findall(entry["msgid_plural"])):
                wrong.append(name(entry))
    assert wrong == []


def test_french_typography_is_consistent(catalogue):
    """A non-breaking space before « : ; ! ? » and inside « », never an ordinary one,
    and French quotes where the English has curly ones."""
    _header, entries = catalogue
    wrong = []
    for entry in entries:
        for french in entry["msgstr"]:
            if re.search(r" [:;!?»]|« ", french) or "“" in french or "”" in french:
                wrong.append((name(entry), french))
            if ("“" in entry["msgid"]) != ("«" in french):
                wrong.append((name(entry), french))
    assert wrong == []


def test_the_compiled_catalogue_is_that_of_the_po(catalogue):
    """The .mo is committed (the site runs without gettext tools): it must hold exactly
    the translations of the .po."""
    _header, entries = catalogue
    expected = {}
    for entry in entries:
        key = entry["msgid"]
        if entry["msgctxt"] is not None:
            key = f"{entry['msgctxt']}\x04{key}"
        if entry["msgid_plural"] is None:
            expected[key] = entry["msgstr"][0]
        else:
            for index, text in enumerate(entry["msgstr"]):
                expected[(key, index)] = text
    with MO.open("rb") as compiled:
        catalog = dict(gettext.GNUTranslations(compiled)._catalog)
    catalog.pop("", None)  # the header
    missing = sorted(str(key)[:90] for key in expected.keys() - catalog.keys())
    extra = sorted(str(key)[:90] for key in catalog.keys() - expected.keys())
    assert missing == [], "django.mo is older than django.po: run compilemessages"
    assert extra == [], "django.mo holds strings the .po no longer has: run compilemessages"
    assert [str(key)[:90] for key in expected if catalog[key] != expected[key]] == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_gettext_accepts_the_po():
    """msgfmt's own checks: header, python-format strings, plural forms."""
    result = subprocess.run(
        ["msgfmt", "--check", "--output-file=/dev/null", str(PO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr.lower(), result.stderr


# The words of the scheme ---------------------------------------------------------------

STATES = {
    S.DRAFT: "Brouillon",
    S.SUBMITTED: "Déposé",
    S.INCOMPLETE: "À compléter",
    S.ELIGIBLE: "Recevable",
    S.INELIGIBLE: "Non recevable",
    S.IN_CONSULTATION: "Avis des instances",
    S.IN_JURY: "En jury",
    S.AWAITING_DECISION: "À décider",
    S.SELECTED: "Retenu",
    S.NOT_SELECTED: "Non retenu",
    S.NOTIFIED: "Décision notifiée",
    S.WITHDRAWN: "Retiré",
    S.DISCARDED: "Brouillon abandonné",
}


def test_every_state_has_its_french_name():
    assert set(STATES) == set(S)
    with translation.override("fr"):
        assert {state: str(state.label) for state in S} == STATES
    assert str(S.SUBMITTED.label) == "Submitted"  # the tests' own language is untouched


def test_opinions_and_decisions_have_their_french_names():
    from reviews.models import Opinion

    with translation.override("fr"):
        verdicts = {str(label) for label in Opinion.Verdict.labels}
        assert verdicts == {"Favorable", "Favorable avec réserves", "Défavorable", "Abstention"}
        assert translation.gettext("Call for expressions of interest (AMI)") == (
            "Appel à manifestation d'intérêt (AMI)"
        )
        assert translation.gettext("Special prize") == "Prix spécial"
        assert translation.gettext("Highlighted action") == "Action valorisée"


# Pages ---------------------------------------------------------------------------------


def text(response):
    """The page as read: tags dropped, every run of spaces (non-breaking ones too) one."""
    content = response.content.decode()
    content = re.sub(r"<(script|style)\b.*?</\1>", " ", content, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split())


def lang(response):
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


@pytest.fixture
def visitor(client):
    """A client asking for no language in particular (the tests' client asks for
    English)."""
    client.defaults.pop("HTTP_ACCEPT_LANGUAGE")
    return client


def test_the_home_and_login_pages_are_french_by_default(visitor, world):
    home = visitor.get("/")
    assert home.status_code == 200
    assert lang(home) == "fr"
    assert "Accueil" in text(home)
    assert "Aller au contenu principal" in text(home)
    assert "Appels ouverts" in text(home)
    assert "Se connecter" in text(home)
    assert "Log in" not in text(home)

    login = visitor.get(reverse("account_login"))
    assert lang(login) == "fr"
    assert "Se connecter" in text(login)
    assert "Mot de passe" in text(login)


def test_the_dashboard_and_a_dossier_page_are_french_by_default(visitor, world):
    dossier = world.dossier(
        S.SUBMITTED, requested_amount=Decimal("12500"), total_budget=Decimal("30000")
    )
    visitor.force_login(world.applicant)

    dashboard = visitor.get(reverse("dashboard"))
    assert lang(dashboard) == "fr"
    assert "Mes dossiers" in text(dashboard)
    assert "Se déconnecter" in text(dashboard)
    assert "Déposé" in text(dashboard)

    shown = text(visitor.get(detail_url(dossier)))
    assert "État : Déposé" in shown
    assert "Le dossier a été déposé : les services de la Ville l'examinent." in shown
    assert "Qui intervient : Les services de la Ville" in shown
    assert "Montant demandé 12 500,00 €" in shown  # French notation of amounts
    assert "Submitted" not in shown


def test_a_browser_asking_for_english_gets_english_and_any_other_language_french(visitor, world):
    english = visitor.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert lang(english) == "en"
    assert "Home" in text(english)
    german = visitor.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert lang(german) == "fr"
    assert "Accueil" in text(german)


def test_the_language_switch_turns_the_pages_english_and_back(visitor, world):
    dossier = world.dossier(S.SUBMITTED)
    visitor.force_login(world.applicant)
    page_url = detail_url(dossier)
    assert "État : Déposé" in text(visitor.get(page_url))

    switched = visitor.post(reverse("set_language"), {"language": "en", "next": page_url})

    assert switched.status_code == 302
    assert switched["Location"] == page_url  # the visitor stays on their page
    english = visitor.get(page_url)
    assert lang(english) == "en"
    assert "State: Submitted" in text(english)
    assert "My dossiers" in text(english)
    assert "Mes dossiers" not in text(english)
    # The choice holds from page to page, and whatever the browser asks for.
    assert lang(visitor.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="fr")) == "en"

    visitor.post(reverse("set_language"), {"language": "fr", "next": page_url})
    assert "État : Déposé" in text(visitor.get(page_url))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_amount_typed_with_a_decimal_comma_is_understood_in_either_language(
    client, world, language
):
    """The help texts of both languages give "12500,50" as an example of an amount."""
    amounts = {}
    for amount in ("2000", "12500.50", "30000"):
        made = world.dossier(
            S.SUBMITTED, requested_amount=Decimal(amount), total_budget=Decimal("100000")
        )
        amounts[made.pk] = Decimal(amount)
    client.force_login(world.administrator)

    listed = client.get(
        "/gestion/dossiers/", {"amount_min": "12 500,50"}, HTTP_ACCEPT_LANGUAGE=language
    )

    assert listed.status_code == 200
    shown = {
        int(pk) for pk in re.findall(r'href="/gestion/dossiers/(\d+)/"', listed.content.decode())
    }
    assert {amounts[pk] for pk in shown} == {Decimal("12500.50"), Decimal("30000")}


# The catalogue and the code ------------------------------------------------------------

SOURCES_LEFT_OUT = {".git", ".venv", "var", "tests", "node_modules", "test-results", "locale"}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def test_every_string_of_the_code_is_in_the_catalogue(tmp_path):
    """``makemessages`` run over a copy of the code finds nothing new to translate, and
    nothing the catalogue holds has left the code."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        if in_ci():
            pytest.fail("gettext is not installed: it must be under CI", pytrace=False)
        pytest.skip("gettext (xgettext, msgmerge) is not installed: run `make install`")
    copy = tmp_path / "site"
    shutil.copytree(
        settings.BASE_DIR,
        copy,
        ignore=lambda folder, names: [
            name
            for name in names
            if (folder == str(settings.BASE_DIR) and name in SOURCES_LEFT_OUT)
            or name == "__pycache__"
        ],
    )
    fresh = copy / PO.relative_to(settings.BASE_DIR)
    fresh.parent.mkdir(parents=True)
    shutil.copy(PO, fresh)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale=fr", "--no-obsolete"],
        cwd=copy,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr

    def strings(path):
        return {(e["msgctxt"], e["msgid"]): e for e in read_po(path)[1:] if not e["obsolete"]}

    found, committed = strings(fresh), strings(PO)
    new = sorted(repr(msgid)[:90] for _context, msgid in found.keys() - committed.keys())
    gone = sorted(repr(msgid)[:90] for _context, msgid in committed.keys() - found.keys())
    assert new == [], "strings of the code missing from django.po: run makemessages"
    assert gone == [], "strings of django.po no longer in the code: run makemessages"
    fuzzy = [name(e) for e in found.values() if "fuzzy" in e["flags"] or not all(e["msgstr"])]
    assert fuzzy == []
