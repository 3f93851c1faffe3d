"""Demo data: one open AMI, the prize edition of the year, six organisations, one user
per role and about forty dossiers in every state, brought there through the real
transitions (``workflows.paths.advance`` and ``workflows.services.perform``).

Idempotent: every object is found by a fixed key (user email, organisation name, call
title, dossier title within its call) and only what is missing is created, so a second
run changes nothing.

The emails that the transitions write to the outbox are delivered during the seeding
to Django's in-memory mailer (``locmem``), through the Immediate task backend: they
end up "sent" in the outbox and in the dossiers' timelines, nothing is printed and
nothing is left for the task worker. Decision emails of dossiers whose decision is not
notified yet stay held, as the engine wants; notifying them later sends them through
the configured mailer.
"""

import logging
from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from stdnum import luhn

from accounts.models import Membership, Organization, User
from calls import nominations, reception
from calls.models import (
    Application,
    Call,
    District,
    EligibilityCriterion,
    Objective,
    RequiredDocument,
    ScoringCriterion,
)
from calls.services import create_draft
from reviews import models
from reviews.services import assign_juror, confirm_no_conflict, record_opinion, save_scorecard
from workflows import rules
from workflows.paths import advance, default_data
from workflows.services import perform
from workflows.states import DossierState as S

DEMO_PASSWORD = "demo-solidarites"
# While seeding, emails go to the in-memory mailer, sent by the Immediate task backend.
SEEDING_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
SEEDING_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DEMO_DOMAIN = "demo.bordeaux.fr"

STAFF = [
    # email, first name, last name, role group, label
    ("admin", "Hélène", "Garcia", rules.ADMINISTRATORS, "administrator"),
    ("instructeur", "Karim", "Benali", rules.INSTRUCTORS, "instructor"),
    ("instance", "Monique", "Lafitte", rules.GOVERNANCE_MEMBERS, "governance body member"),
    ("jure", "Julien", "Dupuy", rules.JURORS, "juror"),
]


def people_reached(title: str) -> int:
    """A plausible number of people reached, stable from one run to the next."""
    return 20 + sum(map(ord, title)) % 180


def siret(base: str) -> str:
    """A valid SIRET from 8 SIREN digits and 4 establishment digits (Luhn twice)."""
    siren = base[:8] + luhn.calc_check_digit(base[:8])
    head = siren + base[8:12]
    return head + luhn.calc_check_digit(head)


ORGANIZATIONS = [
    # key, name, kind, SIRET base, RNA, address, applicant (email, first, last)
    (
        "bastide",
        "Les Voisins de la Bastide",
        Organization.Kind.ASSOCIATION,
        "481205730001",
        "W332004517",
        "12 rue de la Benauge, 33100 Bordeaux",
        ("voisins-bastide", "Sophie", "Martin"),
    ),
    (
        "bacalan",
        "Bacalan Entraide",
        Organization.Kind.ASSOCIATION,
        "502318940002",
        "W332009814",
        "45 rue Achard, 33300 Bordeaux",
        ("bacalan-entraide", "Mamadou", "Diallo"),
    ),
    (
        "grandparc",
        "Paroles de Quartier – Grand Parc",
        Organization.Kind.ASSOCIATION,
        "789456120001",
        "W332016402",
        "8 place de l'Europe, 33300 Bordeaux",
        ("paroles-grandparc", "Nadia", "Haddad"),
    ),
    (
        "saintmichel",
        "Lire et Écrire à Saint-Michel",
        Organization.Kind.ASSOCIATION,
        "823674510001",
        "W332021135",
        "3 rue des Faures, 33800 Bordeaux",
        ("lire-ecrire", "Thomas", "Lacoste"),
    ),
    (
        "ville",
        "Ville de Bordeaux – Direction du développement social urbain",
        Organization.Kind.CITY_SERVICE,
        "",
        "",
        "Place Pey-Berland, 33000 Bordeaux",
        ("dsu", "Camille", "Roux"),
    ),
    (
        "partenaire",
        "Point d'accès au droit de Bordeaux Sud",
        Organization.Kind.INSTITUTIONAL,
        "130027840001",
        "",
        "20 cours de la Marne, 33800 Bordeaux",
        ("acces-droit-sud", "Laurent", "Moreau"),
    ),
]

# Where each demo organisation acts: the observatory counts the dossiers by district.
DISTRICTS = {
    "bastide": [District.BASTIDE],
    "bacalan": [District.MARITIME],
    "grandparc": [District.CHARTRONS],
    "saintmichel": [District.SUD, District.CENTRE],
    "ville": [District.CENTRE, District.SAINT_AUGUSTIN],
    "partenaire": [District.SUD, District.NANSOUTY],
}

# An association without any account, whose paper dossier the counter entered: its
# letters wait in the "to post" queue (it has no email address).
PAPER_ORGANISATION = {
    "name": "Amicale des aînés de Caudéran",
    "kind": Organization.Kind.ASSOCIATION,
    "address": "Maison de quartier\n14 avenue Louis Barthou\n33200 Bordeaux",
    "phone": "05 56 08 12 34",
}
PAPER_DOSSIER = {
    "title": "Un accompagnement aux démarches en ligne pour les aînés isolés",
    "summary": (
        "Des bénévoles de l'amicale accompagnent, chez eux ou à la maison de quartier, les "
        "aînés qui n'ont ni ordinateur ni proche pour les aider : dossiers de retraite, "
        "aides au logement, rendez-vous médicaux en ligne."
    ),
    "objectives": [1, 27],
    "requested": "6000",
    "total": "9500",
}
# The action a City service nominates for the prize, carried by that association.
PARTNER_NOMINATION = {
    "title": "Le café des aînés du mercredi",
    "summary": (
        "Chaque mercredi, l'amicale ouvre un café où les aînés du quartier rompent leur "
        "isolement et trouvent une oreille pour leurs démarches."
    ),
    "motivation": (
        "Une action discrète et constante, qui touche des habitants que nos services "
        "ne voient jamais."
    ),
}

# The AMI opened now funds actions of the next year.
AMI_TITLE = "AMI Accès aux droits et lutte contre le non-recours {year}"
AMI_OBJECTIVES = [1, 3, 6, 7, 8, 9, 10, 11, 12, 14, 27, 28]
AMI_DOCUMENTS = [
    ("Statuts de l'association ou acte constitutif", "", True),
    ("Budget prévisionnel du projet", "Signé par le représentant légal.", True),
    ("Dernier rapport d'activité", "", True),
    ("Lettres de soutien des partenaires", "Facultatif.", False),
]
AMI_ELIGIBILITY = [
    "Siège ou activité régulière sur le territoire de Bordeaux",
    "Projet répondant à au moins un des objectifs ciblés par l'AMI",
    "Budget prévisionnel équilibré et cofinancements identifiés",
    "Public bénéficiaire en situation de non-recours ou de droits incomplets",
]
AMI_SCORING = [
    ("Pertinence au regard du besoin identifié", "3"),
    ("Capacité à aller vers les publics", "2"),
    ("Partenariats et ancrage dans le quartier", "2"),
    ("Évaluation prévue des effets sur le non-recours", "1"),
]
GOVERNANCE_BODIES = [
    (
        "Conseil communal des solidarités",
        "Instance plénière réunissant élus, services et partenaires du schéma.",
    ),
    (
        "Comité des usagers et des personnes concernées",
        "Personnes accompagnées et bénévoles associés à la gouvernance du schéma.",
    ),
]
PRIZE_DOCUMENTS = [("Fiche de présentation de l'action", "Deux pages au plus.", True)]
PRIZE_ELIGIBILITY = [
    "Action menée à Bordeaux au cours des deux dernières années",
    "Action répondant à un ou plusieurs des 28 objectifs",
]
PRIZE_SCORING = [
    ("Utilité sociale", "3", 5),
    ("Caractère innovant", "2", 5),
    ("Participation des personnes concernées", "2", 5),
    ("Ancrage territorial", "1", 5),
]

# Plans: how each dossier is brought to its state. A plan is a list of steps: a
# DossierState reached from the draft by ``advance``, then transitions ("name" or
# ("name", data)) and demo actions: "opinions" (every body answers, which closes the
# consultation), "one_opinion", "assign" (the demo juror), "scores", "draft_scores".
SELECT = "select"
PLANS = {
    "draft": [],
    "discarded": [S.DISCARDED],
    "submitted": [S.SUBMITTED],
    "resubmitted": [S.INCOMPLETE, "resubmit"],
    "incomplete": [S.INCOMPLETE],
    "withdrawn": [S.WITHDRAWN],
    "eligible": [S.ELIGIBLE],
    "ineligible": [S.INELIGIBLE],
    "ineligible_notified": [S.INELIGIBLE, "notify"],
    # AMI: the governance bodies give their opinion.
    "in_consultation": [S.IN_CONSULTATION],
    "half_consulted": [S.IN_CONSULTATION, "one_opinion"],
    "consulted": [S.ELIGIBLE, "open_consultation", "opinions"],
    # Prize: the demo juror scores.
    "in_jury": [S.ELIGIBLE, "assign", "open_jury"],
    "in_jury_scoring": [S.ELIGIBLE, "assign", "open_jury", "draft_scores"],
    "in_jury_scored": [S.ELIGIBLE, "assign", "open_jury", "scores"],
    "juried": [S.ELIGIBLE, "assign", "open_jury", "scores", "close_jury"],
}


def ami_plan(final, amount=None, reason="", notify=False, reopen=False):
    steps = list(PLANS["consulted"])
    if final == SELECT:
        steps.append(("select", {"amount": amount, "reason": reason}))
    elif final == "decline":
        steps.append(("decline", {"reason": reason}))
    if reopen:
        steps.append(("reopen", {"reason": "Le montant doit être revu après la commission."}))
    if notify:
        steps.append("notify")
    return steps


def prize_plan(final, special=False, reason="", notify=False):
    steps = list(PLANS["juried"])
    if final == SELECT:
        steps.append(("select", {"special_prize": special, "reason": reason}))
    else:
        steps.append(("decline", {"reason": reason}))
    if notify:
        steps.append("notify")
    return steps


# key of the organisation, title, summary, objectives, requested, total budget, plan
AMI_DOSSIERS = [
    (
        "saintmichel",
        "Permanences d'accès aux droits au marché des Capucins",
        "Deux matinées par semaine, un binôme bénévole-juriste reçoit sans rendez-vous les "
        "habitants au marché des Capucins pour repérer les droits non réclamés (CSS, "
        "prime d'activité, APL) et accompagner les démarches jusqu'à leur ouverture.",
        [3, 7],
        "18000",
        "42000",
        ami_plan(SELECT, "18000", "Présence régulière au cœur du quartier.", notify=True),
    ),
    (
        "bacalan",
        "Bus des droits : une tournée hebdomadaire à Bacalan et aux Aubiers",
        "Un minibus aménagé stationne chaque semaine aux Aubiers, au Lac et à Bacalan ; un "
        "travailleur social et un médiateur numérique y accompagnent les démarches "
        "administratives des habitants éloignés des guichets.",
        [3, 9, 27],
        "28000",
        "65000",
        ami_plan(SELECT, "28000", "Projet structurant pour Bordeaux Maritime.", notify=True),
    ),
    (
        "bastide",
        "Ateliers d'écrivain public à la Bastide",
        "Des permanences d'écrivain public au centre d'animation Bastide Benauges pour aider "
        "à comprendre un courrier, remplir un formulaire ou contester une décision.",
        [6, 8],
        "9000",
        "14500",
        ami_plan(SELECT, "9000", "Réponse simple et attendue par les habitants."),
    ),
    (
        "grandparc",
        "Médiation numérique pour les démarches CAF au Grand Parc",
        "Ateliers collectifs et rendez-vous individuels pour créer son compte en ligne, "
        "déclarer ses ressources trimestrielles et suivre ses droits, avec prêt de matériel.",
        [27, 28],
        "24500",
        "38000",
        ami_plan(SELECT, "24500", "Besoin avéré de médiation numérique au Grand Parc."),
    ),
    (
        "bastide",
        "Repérage du non-recours chez les seniors isolés de la Benauge",
        "Visites à domicile par des bénévoles formés pour repérer les droits non ouverts des "
        "personnes âgées isolées (APA, aides au logement, complémentaire santé).",
        [3, 7, 14],
        "15000",
        "23000",
        ami_plan(
            SELECT,
            "15000",
            "Projet d'aller-vers bien ciblé.",
            reopen=True,
        ),
    ),
    (
        "partenaire",
        "Formation des professionnels de l'accueil au repérage des droits incomplets",
        "Un cycle de six demi-journées pour les agents d'accueil des mairies de quartier et "
        "des associations : repérer les droits incomplets et orienter sans renvoyer.",
        [1, 14],
        "12000",
        "20000",
        ami_plan("decline", reason="Projet déjà financé par le plan départemental.", notify=True),
    ),
    (
        "bacalan",
        "Atelier budget et prévention du surendettement à Bacalan",
        "Ateliers mensuels sur le budget familial et permanences d'aide au dossier de "
        "surendettement, animés avec une conseillère en économie sociale et familiale.",
        [7],
        "6000",
        "9500",
        ami_plan("decline", reason="Le lien avec le non-recours aux droits reste à démontrer."),
    ),
    (
        "grandparc",
        "Café des droits : rencontres mensuelles à Saint-Augustin",
        "Un rendez-vous convivial chaque mois dans un café associatif de Saint-Augustin où "
        "habitants et professionnels échangent sur les droits sociaux méconnus.",
        [3, 12],
        "7500",
        "11000",
        PLANS["consulted"],
    ),
    (
        "saintmichel",
        "Ateliers de français à visée sociale à Saint-Michel",
        "Des ateliers de français oral et écrit construits autour des démarches du "
        "quotidien : santé, école, logement, emploi, pour des adultes primo-arrivants.",
        [11],
        "14000",
        "26000",
        PLANS["half_consulted"],
    ),
    (
        "bastide",
        "Accueil de jour et domiciliation à la Bastide",
        "Ouverture d'un accueil de jour trois après-midi par semaine avec domiciliation "
        "administrative, condition de l'ouverture de nombreux droits.",
        [12, 14],
        "30000",
        "90000",
        PLANS["in_consultation"],
    ),
    (
        "ville",
        "Point numérique partagé à la mairie de quartier de Bordeaux Sud",
        "Un espace équipé et accompagné par un conseiller numérique à la mairie de quartier, "
        "ouvert aux associations du quartier pour leurs permanences.",
        [9, 27, 28],
        "20000",
        "35000",
        PLANS["in_consultation"],
    ),
    (
        "grandparc",
        "Interprétariat solidaire pour les familles allophones de Belcier",
        "Un réseau d'interprètes bénévoles formés, mobilisables pour accompagner les familles "
        "allophones à leurs rendez-vous administratifs et médicaux.",
        [6],
        "10000",
        "16000",
        PLANS["eligible"],
    ),
    (
        "saintmichel",
        "Guide « facile à lire et à comprendre » des aides municipales",
        "Rédaction et test avec des personnes concernées d'un guide des aides de la Ville et "
        "du CCAS en FALC, diffusé en version papier et audio.",
        [6, 8],
        "8000",
        "12000",
        PLANS["eligible"],
    ),
    (
        "bacalan",
        "Simulateur de droits accompagné dans les centres sociaux",
        "Des sessions accompagnées sur les simulateurs de droits en ligne dans trois centres "
        "sociaux de Bordeaux Maritime, suivies d'un rendez-vous d'ouverture des droits.",
        [10, 28],
        "11000",
        "17000",
        PLANS["ineligible"],
    ),
    (
        "partenaire",
        "Permanence juridique gratuite à Bordeaux Maritime",
        "Consultations juridiques gratuites de premier niveau avec des avocats bénévoles, "
        "deux soirs par mois, à la maison du droit de Bacalan.",
        [7, 9],
        "9500",
        "15000",
        PLANS["ineligible_notified"],
    ),
    (
        "bastide",
        "Aller-vers les habitants du quartier Chantecrit",
        "Porte-à-porte et présence en pied d'immeuble d'une équipe de médiateurs pour "
        "recueillir les difficultés des habitants et les orienter vers leurs droits.",
        [3],
        "13000",
        "21000",
        PLANS["submitted"],
    ),
    (
        "grandparc",
        "Réseau de bénévoles relais d'accès aux droits à Caudéran",
        "Former des habitants bénévoles pour qu'ils deviennent relais d'information sur les "
        "droits auprès de leurs voisins, commerçants et associations sportives.",
        [3, 14],
        "5000",
        "8000",
        PLANS["submitted"],
    ),
    (
        "saintmichel",
        "Accompagnement des personnes sans domicile vers l'ouverture de droits santé",
        "Accompagnement physique aux rendez-vous de la CPAM et des PASS pour les personnes "
        "sans domicile, avec une infirmière et un travailleur pair.",
        [12, 14],
        "22000",
        "40000",
        PLANS["resubmitted"],
    ),
    (
        "bacalan",
        "Maraude sociale et accès aux droits sur les quais",
        "Une maraude en soirée sur les quais de Bacalan à la Bastide, avec ouverture de "
        "droits sur place grâce à une tablette et un lien direct avec le CCAS.",
        [3, 12],
        "16000",
        "30000",
        PLANS["incomplete"],
    ),
    (
        "ville",
        "Permanences d'accès aux droits en langue des signes",
        "Des permanences mensuelles avec un interprète en langue des signes dans trois "
        "mairies de quartier, sur rendez-vous ou sans.",
        [6, 12],
        "9000",
        "14000",
        PLANS["incomplete"],
    ),
    (
        "bastide",
        "Accueil inconditionnel des familles à la Benauge",
        "Un lieu d'accueil parents-enfants ouvert sans condition où les familles trouvent "
        "aussi une aide pour leurs démarches.",
        [12],
        "17000",
        "28000",
        PLANS["withdrawn"],
    ),
    (
        "grandparc",
        "Dispositif « zéro non-recours » aux Aubiers",
        "Un diagnostic partagé des droits de chaque foyer volontaire de la résidence, puis un "
        "accompagnement jusqu'à l'ouverture effective de chacun de ces droits.",
        [1, 7],
        "26000",
        "52000",
        PLANS["draft"],
    ),
    (
        "bacalan",
        "Ateliers « mes droits au travail » pour les jeunes de Bacalan",
        "Des ateliers pour les 16-25 ans sur le contrat de travail, la fiche de paie et les "
        "aides à la mobilité, avec la mission locale.",
        [7, 11],
        "4000",
        "6500",
        PLANS["draft"],
    ),
    (
        "saintmichel",
        "Kiosque d'information sur les droits au marché Saint-Michel",
        "Un kiosque mobile tenu par des bénévoles le dimanche matin au marché Saint-Michel.",
        [3],
        "3000",
        "5000",
        PLANS["discarded"],
    ),
]

PRIZE_DOSSIERS = [
    (
        "saintmichel",
        "Les petits-déjeuners solidaires de la place Saint-Michel",
        "Chaque samedi, des bénévoles servent un petit-déjeuner à une centaine de personnes "
        "et orientent celles qui le souhaitent vers les permanences sociales du quartier.",
        [3, 19],
        prize_plan(SELECT, special=True, reason="Action exemplaire d'aller-vers.", notify=True),
    ),
    (
        "grandparc",
        "Jardin partagé et cuisine collective du Grand Parc",
        "Un jardin cultivé par les habitants de la cité et une cuisine collective qui "
        "transforme les récoltes lors d'ateliers ouverts à tous.",
        [19, 22],
        prize_plan(SELECT, special=True, reason="Alimentation durable et lien social."),
    ),
    (
        "ville",
        "Brigade numérique de la mairie de quartier Grand Parc",
        "Des agents de la mairie de quartier formés à la médiation numérique accueillent les "
        "habitants pour leurs démarches en ligne, sans rendez-vous.",
        [27, 28],
        prize_plan(SELECT, reason="Service public de proximité bien identifié."),
    ),
    (
        "bacalan",
        "La Fabrique à démarches de Bacalan",
        "Un lieu ouvert deux jours par semaine où habitants et bénévoles font ensemble les "
        "démarches administratives, avec ordinateurs, scanner et imprimante.",
        [8, 27],
        prize_plan(SELECT, reason="Démarche collective et participative."),
    ),
    (
        "bastide",
        "Cinéma en plein air accessible à la Bastide",
        "Des projections gratuites l'été au parc des Berges, sous-titrées et audiodécrites, "
        "préparées avec les habitants du quartier.",
        [22, 23],
        prize_plan(
            "decline", reason="Action culturelle éloignée des objectifs visés.", notify=True
        ),
    ),
    (
        "partenaire",
        "Tables de concertation avec les personnes concernées par la précarité",
        "Des tables rondes trimestrielles où des personnes en situation de précarité "
        "évaluent les dispositifs d'accès aux droits avec les professionnels.",
        [24, 25, 26],
        prize_plan("decline", reason="Action déjà valorisée lors d'une édition précédente."),
    ),
    (
        "grandparc",
        "Permanence santé-social du Grand Parc",
        "Une infirmière et une assistante sociale reçoivent ensemble, une fois par semaine, "
        "au centre social du Grand Parc.",
        [20],
        PLANS["juried"],
    ),
    (
        "bacalan",
        "Chantier d'insertion du parc aux Angéliques",
        "Un chantier d'insertion pour l'entretien écologique des berges, avec accompagnement "
        "socio-professionnel de douze salariés.",
        [7, 23],
        PLANS["juried"],
    ),
    (
        "bastide",
        "Festival des cultures du monde de la Bastide",
        "Un festival préparé toute l'année avec les associations de familles étrangères du "
        "quartier : cuisine, musique, ateliers d'écriture.",
        [22, 24],
        PLANS["in_jury_scored"],
    ),
    (
        "saintmichel",
        "Marche exploratoire de femmes à Saint-Michel",
        "Des habitantes arpentent le quartier de jour et de nuit et formulent des "
        "propositions d'aménagement remises à la mairie de quartier.",
        [22, 23, 26],
        PLANS["in_jury_scoring"],
    ),
    (
        "ville",
        "Accueil des nouveaux arrivants à la mairie de quartier de Bacalan",
        "Une matinée d'accueil mensuelle des nouveaux habitants pour présenter les services "
        "publics, les associations et les droits liés à l'installation.",
        [4, 9],
        PLANS["in_jury"],
    ),
    (
        "grandparc",
        "Bibliothèque de rue aux Aubiers",
        "Des bénévoles lisent des albums aux enfants au pied des immeubles, tous les "
        "mercredis, et prêtent des livres aux familles.",
        [11, 22],
        PLANS["eligible"],
    ),
    (
        "bacalan",
        "Vestiaire solidaire et salon de coiffure social de Belcier",
        "Un vestiaire à petits prix et un salon de coiffure tenu par des bénévoles "
        "professionnels pour redonner confiance avant un entretien d'embauche.",
        [7],
        PLANS["ineligible"],
    ),
    (
        "bastide",
        "Repair café numérique de Saint-Augustin",
        "Réparation d'ordinateurs et de téléphones avec leurs propriétaires, et initiation "
        "aux usages numériques de base.",
        [28],
        PLANS["submitted"],
    ),
    (
        "saintmichel",
        "Épicerie sociale itinérante des quais",
        "Une épicerie sociale en camion qui dessert chaque semaine quatre quartiers dépourvus "
        "de commerce de proximité.",
        [19],
        PLANS["resubmitted"],
    ),
    (
        "partenaire",
        "Colocations solidaires intergénérationnelles à Caudéran",
        "Mise en relation d'étudiants et de personnes âgées disposant d'une chambre libre, "
        "avec une charte de vie commune et un suivi.",
        [18],
        PLANS["incomplete"],
    ),
    (
        "grandparc",
        "Ateliers sportifs pour les femmes de Bordeaux Sud",
        "Des séances de sport gratuites réservées aux femmes, avec garde d'enfants sur place.",
        [22],
        PLANS["withdrawn"],
    ),
    (
        "bacalan",
        "Orchestre des enfants de Bordeaux Nord",
        "Un orchestre où des enfants du quartier apprennent un instrument prêté gratuitement, "
        "encadrés par des musiciens professionnels.",
        [22, 24],
        PLANS["draft"],
    ),
    (
        "bastide",
        "Conseil des habitants éloignés de la participation – Benauge",
        "Un conseil réuni dans les lieux de vie des habitants pour recueillir leur parole.",
        [24],
        PLANS["discarded"],
    ),
]

OPINIONS = [
    ("favourable", "Projet bien ancré dans le quartier, partenariats solides."),
    ("reserved", "Favorable sous réserve d'un calendrier d'évaluation plus précis."),
]
SCORECARD_COMMENT = "Action solide, portée par une équipe engagée auprès des habitants."


class Command(BaseCommand):
    help = (
        "Create the demo data (calls, organisations, one user per role, dossiers in every "
        "state). Running it again creates nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even though DEBUG is off (never on a production database).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: this looks like a production site. The demo data creates "
                "users with a known password; pass --force to seed anyway."
            )
        self.created = 0
        tasks_logger = logging.getLogger("django.tasks")
        level = tasks_logger.level
        tasks_logger.setLevel(logging.WARNING)
        try:
            with (
                override_settings(MAILERS=SEEDING_MAILERS, TASKS=SEEDING_TASKS),
                transaction.atomic(),
            ):
                self.seed()
        finally:
            tasks_logger.setLevel(level)
        if self.created:
            self.stdout.write(self.style.SUCCESS(f"Demo data: {self.created} object(s) created."))
        else:
            self.stdout.write("Demo data already present: nothing changed.")
        self.print_logins()

    # Helpers.

    def _get_or_create(self, model, defaults=None, **lookup):
        obj, created = model.objects.get_or_create(defaults=defaults or {}, **lookup)
        self.created += created
        return obj, created

    def user(self, local, first_name, last_name, group=None, **extra):
        email = f"{local}@{DEMO_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email, DEMO_PASSWORD, first_name=first_name, last_name=last_name, **extra
            )
            self.created += 1
        if group:
            user.groups.add(Group.objects.get_or_create(name=group)[0])
        self._get_or_create(
            EmailAddress, user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    # The data.

    def seed(self):
        now = timezone.now()
        self.admin, self.instructor, self.governance, self.juror = (
            self.user(local, first, last, group, **({"is_staff": True} if i == 0 else {}))
            for i, (local, first, last, group, _label) in enumerate(STAFF)
        )
        if not self.admin.is_superuser:
            # The demo administrator also manages the reference data in Django's admin.
            self.admin.is_superuser = True
            self.admin.save(update_fields=["is_superuser"])

        self.organizations, self.applicants = {}, {}
        for key, name, kind, siret_base, rna, address, person in ORGANIZATIONS:
            organization, _ = self._get_or_create(
                Organization,
                name=name,
                defaults={
                    "kind": kind,
                    "siret": siret(siret_base) if siret_base else "",
                    "rna": rna,
                    "address": address,
                    "contact_email": f"{person[0]}@{DEMO_DOMAIN}",
                },
            )
            organization.full_clean()
            applicant = self.user(*person)
            self._get_or_create(Membership, user=applicant, organization=organization)
            self.organizations[key] = organization
            self.applicants[key] = applicant

        self.bodies = []
        for name, description in GOVERNANCE_BODIES:
            body, _ = self._get_or_create(
                self.models().GovernanceBody, name=name, defaults={"description": description}
            )
            body.members.add(self.governance)
            self.bodies.append(body)

        ami = self.ami_call(now)
        prize = self.prize_call(now)
        for key, title, summary, objectives, requested, total, plan in AMI_DOSSIERS:
            self.dossier(ami, key, title, summary, objectives, requested, total, plan)
        for key, title, summary, objectives, plan in PRIZE_DOSSIERS:
            self.dossier(prize, key, title, summary, objectives, "0", "15000", plan)
        self.paper_dossier(ami, now)
        self.partner_nomination(prize)

    @staticmethod
    def models():
        return models

    def ami_call(self, now):
        call, created = self._get_or_create(
            Call,
            kind=Call.Kind.AMI,
            title=AMI_TITLE.format(year=timezone.localdate().year + 1),
            defaults={
                "theme": "Accès aux droits et lutte contre le non-recours",
                "description": (
                    "La Ville de Bordeaux invite les associations et ses partenaires à proposer "
                    "des actions expérimentales pour aller vers les habitants qui ne font pas "
                    "valoir leurs droits, simplifier les démarches et mieux accueillir les "
                    "publics aux droits incomplets. Les projets sont soumis à l'avis des "
                    "instances de gouvernance de Bordeaux Terre de Solidarités."
                ),
                "opens_at": now - timedelta(days=30),
                "closes_at": now + timedelta(days=60),
                "budget": Decimal("300000"),
                "max_grant": Decimal("30000"),
                "opinions_required": True,
            },
        )
        if created:
            call.objectives.set(Objective.objects.filter(number__in=AMI_OBJECTIVES))
            call.governance_bodies.set(self.bodies)
            call.instructors.add(self.instructor)
            self.criteria(call, AMI_DOCUMENTS, AMI_ELIGIBILITY, [(*c, 5) for c in AMI_SCORING])
        return call

    def prize_call(self, now):
        year = timezone.localdate().year
        call, created = self._get_or_create(
            Call,
            kind=Call.Kind.PRIZE,
            year=year,
            defaults={
                "title": f"Prix Bordeaux Terre de Solidarités {year}",
                "theme": "Valoriser les actions de solidarité",
                "description": (
                    f"Chaque année, 28 actions répondant à un ou plusieurs objectifs de "
                    f"Bordeaux Terre de Solidarités sont valorisées ; quatre actions portées "
                    f"par des associations reçoivent un prix spécial et une subvention. "
                    f"Édition {year}."
                ),
                "opens_at": now - timedelta(days=60),
                "closes_at": now + timedelta(days=30),
                "highlighted_count": 28,
                "special_prize_count": 4,
                "special_prize_amount": Decimal("5000"),
                "jury_scores": True,
            },
        )
        if created:
            call.objectives.set(Objective.objects.all())
            call.instructors.add(self.instructor)
            self.criteria(call, PRIZE_DOCUMENTS, PRIZE_ELIGIBILITY, PRIZE_SCORING)
        jury, _ = self._get_or_create(
            self.models().Jury, call=call, defaults={"name": f"Jury du Prix {year}"}
        )
        jury.members.add(self.juror)
        return call

    def criteria(self, call, documents, eligibility, scoring):
        for position, (label, help_text, mandatory) in enumerate(documents):
            RequiredDocument.objects.create(
                call=call, label=label, help_text=help_text, mandatory=mandatory, position=position
            )
        for position, label in enumerate(eligibility):
            EligibilityCriterion.objects.create(call=call, label=label, position=position)
        for position, (label, weight, max_score) in enumerate(scoring):
            ScoringCriterion.objects.create(
                call=call,
                label=label,
                weight=Decimal(weight),
                max_score=max_score,
                position=position,
            )
        self.created += len(documents) + len(eligibility) + len(scoring)

    def dossier(self, call, key, title, summary, objectives, requested, total, plan):
        if Application.objects.filter(call=call, title=title).exists():
            return
        applicant = self.applicants[key]
        dossier = create_draft(
            call=call,
            organization=self.organizations[key],
            user=applicant,
            title=title,
            objectives=Objective.objects.filter(number__in=objectives),
            summary=summary,
            requested_amount=Decimal(requested),
            total_budget=Decimal(total),
            districts=DISTRICTS[key],
            people_count=people_reached(title),
        )
        self.created += 1
        actors = {
            "applicant": applicant,
            "instructor": self.instructor,
            "administrator": self.admin,
        }
        for step in plan:
            if isinstance(step, S):
                advance(dossier, step, actors)
            elif isinstance(step, str) and step in DEMO_ACTIONS:
                DEMO_ACTIONS[step](self, dossier)
            else:
                name, data = step if isinstance(step, tuple) else (step, {})
                role = "applicant" if name == "resubmit" else "administrator"
                perform(dossier, name, actors[role], **{**default_data(dossier, name), **data})

    def paper_organisation(self):
        organization = Organization.objects.filter(name=PAPER_ORGANISATION["name"]).first()
        if organization is None:
            organization = reception.create_organisation(self.admin, **PAPER_ORGANISATION)
            self.created += 1
        return organization

    def paper_dossier(self, call, now):
        """A paper dossier received by post, entered and submitted by the administrator
        at the counter on behalf of an association without an account (so the
        instructor, not the administrator, instructs it)."""
        if Application.objects.filter(call=call, title=PAPER_DOSSIER["title"]).exists():
            return
        dossier = reception.enter_dossier(
            self.admin,
            organization=self.paper_organisation(),
            call=call,
            channel=Application.Channel.PAPER,
            title=PAPER_DOSSIER["title"],
            received_on=timezone.localdate(now - timedelta(days=3)),
        )
        Application.objects.filter(pk=dossier.pk).update(
            summary=PAPER_DOSSIER["summary"],
            requested_amount=Decimal(PAPER_DOSSIER["requested"]),
            total_budget=Decimal(PAPER_DOSSIER["total"]),
            districts=[District.CAUDERAN],
            people_count=35,
        )
        dossier.refresh_from_db()
        dossier.objectives.set(Objective.objects.filter(number__in=PAPER_DOSSIER["objectives"]))
        self.created += 1
        advance(dossier, S.SUBMITTED, {"applicant": self.admin})

    def partner_nomination(self, call):
        """The City's social development service nominates the association's action for
        the prize: the association, without email, is told by a letter to post."""
        if call.nominations.filter(title=PARTNER_NOMINATION["title"]).exists():
            return
        nominations.nominate(
            call=call,
            user=self.applicants["ville"],
            nominating_organization=self.organizations["ville"],
            organization=self.paper_organisation(),
            **PARTNER_NOMINATION,
        )
        self.created += 1

    # Demo actions between transitions (reviews services).

    def opinions(self, dossier, bodies=None):
        for body, (verdict, motivation) in zip(bodies or self.bodies, OPINIONS, strict=False):
            record_opinion(dossier, body, self.governance, verdict, motivation)

    def one_opinion(self, dossier):
        self.opinions(dossier, bodies=self.bodies[:1])

    def assign(self, dossier):
        assign_juror(dossier, self.juror, by=self.admin)

    def scores(self, dossier, submit=True):
        criteria = dossier.call.scoring_criteria.order_by("position")
        # A plausible, varied grid: 3 to 5 out of 5, derived from the dossier's number.
        values = {c.pk: 3 + (dossier.pk + i) % 3 for i, c in enumerate(criteria)}
        if not submit:
            values = dict(list(values.items())[:2])
        # A juror scores once they have confirmed having no conflict of interest.
        confirm_no_conflict(dossier, self.juror)
        save_scorecard(dossier, self.juror, values, comment=SCORECARD_COMMENT, submit=submit)

    def draft_scores(self, dossier):
        self.scores(dossier, submit=False)

    def print_logins(self):
        write = self.stdout.write
        write("")
        write(f"Open {settings.SITE_URL}/ and log in with one of these demo accounts")
        write(f"(password for all: {DEMO_PASSWORD}):")
        for local, _first, _last, _group, label in STAFF:
            write(f"  {local + '@' + DEMO_DOMAIN:<38} {label}")
        for _key, name, *_rest, person in ORGANIZATIONS:
            write(f"  {person[0] + '@' + DEMO_DOMAIN:<38} applicant, {name}")


DEMO_ACTIONS = {
    "opinions": Command.opinions,
    "one_opinion": Command.one_opinion,
    "assign": Command.assign,
    "scores": Command.scores,
    "draft_scores": Command.draft_scores,
}
