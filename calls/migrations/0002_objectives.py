"""The 2 axes, 9 orientations and 28 objectives of the municipal scheme
"Bordeaux Terre de Solidarités", worded as in the "Schéma communal des solidarités"
(synthesis; copy in docs/reference/schema-communal-des-solidarites-synthese.txt)."""

from django.db import migrations

AXES = [
    {
        "position": 1,
        "code": "acces-aux-droits",
        "title": "L'accès aux droits",
        "description": (
            "comme garantie d'un accès aux biens communs, services et prestations disponibles "
            "pour tous les administrés en fonction de leur situation, nécessite d'investir la "
            "lutte contre le non-recours, la prévention des processus de précarisation, et la "
            "lutte contre les exclusions. Il s'agit non seulement de l'accès aux droits "
            "essentiels et fondamentaux, mais également de l'ensemble des droits "
            "administratifs existants, et plus largement de l'accès à l'éducation et à "
            "l'emploi."
        ),
    },
    {
        "position": 2,
        "code": "emancipation",
        "title": "L'émancipation personnelle et citoyenne",
        "description": (
            "sous-tend un accès généralisé et facilité à la culture, aux loisirs, à la "
            "pratique sportive, à la participation citoyenne. Elle permet de tendre vers une "
            "égalité entre les citoyennes et les citoyens de toute la Ville et de renforcer "
            "la cohésion sociale. Elle permet de rétablir chacun dans sa légitimité à "
            "participer et à bénéficier de l'action et des politiques publiques."
        ),
    },
]

# (position, axis position, title)
ORIENTATIONS = [
    (1, 1, "Requalifier nos pratiques dans toutes les offres de service public"),
    (2, 1, "Favoriser l'accès aux droits et aux démarches"),
    (3, 1, "Optimiser l'usage partagé des lieux publics d'accès aux droits"),
    (4, 1, "Accompagner vers leurs droits les publics aux droits incomplets"),
    (5, 1, "Favoriser le parcours résidentiel des plus vulnérables"),
    (6, 1, "Promouvoir l'accès aux communs essentiels"),
    (7, 2, "Favoriser l'émancipation personnelle et citoyenne dans l'espace public"),
    (8, 2, "Promouvoir l'inclusion des publics éloignés de la participation citoyenne"),
    (9, 2, "Agir pour l'émancipation numérique"),
]

# (number, orientation position, text)
OBJECTIVES = [
    (
        1,
        1,
        (
            "Lutter contre les processus générateurs d'exclusion dans l'action publique "
            "en intégrant cet objectif dès la construction des offres de services, au "
            "regard des différents critères de précarité et de vulnérabilité."
        ),
    ),
    (
        2,
        1,
        (
            "Initier le rassemblement des acteurs intervenant dans le champ des "
            "solidarités à Bordeaux pour favoriser l'interconnaissance et donner les "
            "conditions de l'émergence sur le territoire de projets communs "
            "d'amélioration de l'accès aux droits de tous les publics."
        ),
    ),
    (
        3,
        1,
        (
            "Aller vers : créer ou maintenir le lien avec les Bordelais dans leur "
            "environnement et faciliter l'identification des problématiques sociales."
        ),
    ),
    (
        4,
        1,
        (
            "Développer la diversité d'usage des lieux de vie et de service municipaux et "
            "favoriser la mutualisation géographique des lieux et actions pour des "
            "réponses coordonnées."
        ),
    ),
    (
        5,
        1,
        (
            "Initier une dynamique associant les équipes opérationnelles de chaque "
            "service à la population et les publics reçus afin d'ajuster les modalités "
            "dans un souci de justice sociale et prendre en considération les difficultés "
            "des usagers."
        ),
    ),
    (
        6,
        1,
        (
            "S'assurer de la bonne compréhension de la réponse donnée : Intégrer dès que "
            "cela semble nécessaire des solutions d'interprétariat ou d'aide à "
            "l'expression de l'utilisateur, faire usage de supports faciles à lire et à "
            "comprendre. Mettre en œuvre les moyens d'une compréhension exhaustive de la "
            "demande de l'utilisateur."
        ),
    ),
    (
        7,
        1,
        ("Interroger l'ensemble des droits des personnes au-delà de la demande."),
    ),
    (
        8,
        2,
        (
            "Tendre vers une meilleure accessibilité des démarches et une simplification "
            "des procédures."
        ),
    ),
    (
        9,
        2,
        (
            "Développer un maillage territorial de proximité de services publics d'accès "
            "aux droits en appui à l'objectif 3."
        ),
    ),
    (
        10,
        2,
        (
            "Développer une offre numérique de simulation et de pré-traitement des "
            "demandes relatives aux droits sociaux."
        ),
    ),
    (
        11,
        2,
        (
            "Accompagner les publics vers l'acquisition de la littératie et l'acquisition "
            "de la langue française pour les personnes étrangères."
        ),
    ),
    (
        12,
        3,
        (
            "Faire de l'accueil une composante prioritaire de l'accès aux droits en "
            "particulier pour les publics à besoins spécifiques. Cela implique :\n"
            "\n"
            "- D'adapter les espaces d'accueil et la signalétique,\n"
            "- De réinterroger les horaires d'accueil,\n"
            "- De solliciter la participation des usagers,\n"
            "- D'accroître le nombre de lieux d'accueil social pertinents."
        ),
    ),
    (
        13,
        3,
        (
            "Accroître les partenariats pour un meilleur maillage du territoire dans le "
            "prolongement des objectifs 2 et 9."
        ),
    ),
    (
        14,
        4,
        (
            "Renforcer la formation des professionnels à l'accompagnement des publics aux "
            "droits incomplets pour une meilleure connaissance de l'ensemble de leurs "
            "droits. Accompagner ces publics dans une approche globale."
        ),
    ),
    (
        15,
        4,
        (
            "Favoriser la création de lieux de répit de proximité pour les publics "
            "n'ayant pas de droit au logement ou un accès difficile à l'hébergement."
        ),
    ),
    (
        16,
        5,
        (
            "Identifier le parc vacant public et solliciter les propriétaires du parc "
            "vacant privé pour développer une offre diversifiée dans ses modalités et "
            "sécurisée juridiquement, incluant du logement ou de l'hébergement."
        ),
    ),
    (
        17,
        5,
        (
            "Favoriser l'évaluation de la qualité et du niveau d'adaptation de l'habitat "
            "des publics accompagnés ainsi que leur orientation vers les dispositifs "
            "existants d'amélioration de l'habitat, d'adaptation à la dépendance, de "
            "lutte contre la précarité énergétique et de lutte contre l'habitat indigne."
        ),
    ),
    (
        18,
        5,
        (
            "Animer une réflexion partenariale afin de proposer des solutions innovantes "
            "d'hébergement ou de logement, notamment autour de la diversification des "
            "modes d'habiter, de l'habitat intergénérationnel et participatif, ainsi que "
            "de la mise à l'abri de ceux qui le nécessitent."
        ),
    ),
    (
        19,
        6,
        (
            "Proposer une réflexion à la hauteur des enjeux environnementaux et "
            "alimentaires dans le cadre de la démarche de résilience alimentaire. "
            "Développer un projet sécurisant l'accès à une alimentation choisie, durable "
            "et de qualité. Sensibiliser les intervenants sociaux aux enjeux alimentaires "
            "exposés."
        ),
    ),
    (
        20,
        6,
        (
            "Développer les lieux d'accueil et d'accompagnement dans approche mixte de la "
            "santé et de l'intervention sociale. Développer les équipes mobiles "
            "santé-social et renforcer la prévention."
        ),
    ),
    (
        21,
        6,
        ("Développer une observation partenariale sur l'accès aux biens communs essentiels."),
    ),
    (
        22,
        7,
        (
            "En lien avec la démarche municipale de démocratie permanente et les "
            "politiques de proximité, favoriser une meilleure appropriation de l'espace "
            "public pour toutes et tous."
        ),
    ),
    (
        23,
        7,
        (
            "Mettre en œuvre les conditions d'un partage de l'espace public, afin de "
            "favoriser la cohabitation des usages."
        ),
    ),
    (
        24,
        8,
        (
            "Créer des espaces d'expression sécurisants là où se trouvent les personnes "
            "éloignées de la participation démocratique et traiter ces expressions "
            "recueillies en sus de celles des autres publics."
        ),
    ),
    (
        25,
        8,
        (
            "Associer des experts de l'exclusion et des facteurs de vulnérabilité aux "
            "événements de démocratie participative."
        ),
    ),
    (
        26,
        8,
        (
            "Mener un travail de fond pour informer et faire participer les publics "
            "éloignés des actions de participation citoyenne."
        ),
    ),
    (
        27,
        9,
        (
            "Systématiser la mixité des modalités d'accès aux droits et en garantir "
            "l'égalité de traitement des demandes."
        ),
    ),
    (
        28,
        9,
        ("Renforcer une stratégie partenariale dédiée à la médiation numérique."),
    ),
]


def create_objectives(apps, schema_editor):
    Axis = apps.get_model("calls", "Axis")
    Orientation = apps.get_model("calls", "Orientation")
    Objective = apps.get_model("calls", "Objective")
    axes = {}
    for axis in AXES:
        axes[axis["position"]], _ = Axis.objects.update_or_create(
            position=axis["position"],
            defaults={
                "code": axis["code"],
                "title": axis["title"],
                "description": axis["description"],
            },
        )
    orientations = {}
    for position, axis_position, title in ORIENTATIONS:
        orientations[position], _ = Orientation.objects.update_or_create(
            position=position, defaults={"axis": axes[axis_position], "title": title}
        )
    for number, orientation_position, text in OBJECTIVES:
        Objective.objects.update_or_create(
            number=number,
            defaults={"orientation": orientations[orientation_position], "text": text},
        )


def delete_objectives(apps, schema_editor):
    Axis = apps.get_model("calls", "Axis")
    Orientation = apps.get_model("calls", "Orientation")
    Objective = apps.get_model("calls", "Objective")
    Objective.objects.filter(number__in=[number for number, _, _ in OBJECTIVES]).delete()
    Orientation.objects.filter(position__in=[position for position, _, _ in ORIENTATIONS]).delete()
    Axis.objects.filter(code__in=[axis["code"] for axis in AXES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(create_objectives, delete_objectives),
    ]
