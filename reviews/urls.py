"""URLs of this area (included by config/urls.py)."""

from django.urls import path

from . import (
    views_audit,
    views_confirm,
    views_decisions,
    views_deliberation,
    views_dossier,
    views_home,
    views_interests,
    views_jury,
    views_jury_bulk,
    views_list,
    views_observatory,
    views_opinions,
    views_ranking,
)

urlpatterns = [
    path("", views_home.staff_home, name="staff_home"),
    path("observatoire/", views_observatory.observatory_page, name="staff_observatory"),
    path("journal/", views_audit.audit_page, name="staff_audit"),
    path("journal/export.csv", views_audit.audit_export_csv, name="staff_audit_export_csv"),
    path("appels/<id:pk>/classement/", views_ranking.ranking_page, name="staff_ranking"),
    path(
        "appels/<id:pk>/classement/export.csv",
        views_ranking.ranking_export_csv,
        name="staff_ranking_export_csv",
    ),
    path(
        "appels/<id:pk>/classement/export.xlsx",
        views_ranking.ranking_export_xlsx,
        name="staff_ranking_export_xlsx",
    ),
    path(
        "appels/<id:pk>/classement/<id:dossier_pk>/",
        views_ranking.ranking_row,
        name="staff_ranking_row",
    ),
    path(
        "appels/<id:pk>/deliberation/",
        views_deliberation.deliberation_page,
        name="staff_deliberation",
    ),
    path("appels/<id:pk>/proces-verbal/", views_deliberation.minutes_page, name="staff_minutes"),
    path(
        "appels/<id:pk>/proces-verbal.pdf",
        views_deliberation.minutes_pdf,
        name="staff_minutes_pdf",
    ),
    path("appels/<id:pk>/laureats/", views_deliberation.laureates_page, name="staff_laureates"),
    path(
        "appels/<id:pk>/decisions.csv",
        views_deliberation.decisions_export_csv,
        name="staff_decisions_export_csv",
    ),
    path(
        "appels/<id:pk>/decisions.xlsx",
        views_deliberation.decisions_export_xlsx,
        name="staff_decisions_export_xlsx",
    ),
    path("dossiers/", views_list.dossier_list, name="staff_dossier_list"),
    path("dossiers/export.csv", views_list.export_csv, name="staff_dossier_export_csv"),
    path("dossiers/export.xlsx", views_list.export_xlsx, name="staff_dossier_export_xlsx"),
    path("decisions/", views_decisions.staff_decisions, name="staff_decisions"),
    path("dossiers/<id:pk>/", views_dossier.staff_dossier_detail, name="staff_dossier_detail"),
    path(
        "dossiers/<id:pk>/action/<slug:transition>/",
        views_dossier.staff_dossier_transition,
        name="staff_dossier_transition",
    ),
    path(
        "dossiers/<id:pk>/consulter/",
        views_dossier.staff_dossier_consult,
        name="staff_dossier_consult",
    ),
    path(
        "dossiers/<id:pk>/messages/",
        views_dossier.staff_dossier_message,
        name="staff_dossier_message",
    ),
    path(
        "dossiers/<id:pk>/recevabilite/", views_dossier.staff_eligibility, name="staff_eligibility"
    ),
    path(
        "dossiers/<id:pk>/avis/<id:opinion_pk>/document/",
        views_dossier.staff_opinion_document,
        name="staff_opinion_document",
    ),
    path("consultations/", views_opinions.staff_consultations, name="staff_consultations"),
    path("avis/", views_opinions.staff_opinion_queue, name="staff_opinion_queue"),
    path("avis/<id:pk>/", views_opinions.staff_opinion, name="staff_opinion"),
    path(
        "dossiers/<id:pk>/jures/",
        views_jury.staff_dossier_assign_juror,
        name="staff_dossier_assign_juror",
    ),
    path("jury/", views_jury.jury_queue, name="staff_jury_queue"),
    path("jurys/", views_jury.juries, name="staff_juries"),
    path("appels/<id:pk>/jury/", views_jury.jury_progress, name="staff_jury_progress"),
    path("appels/<id:pk>/jury/reglages/", views_jury.jury_settings, name="staff_jury_settings"),
    path("appels/<id:pk>/jury/repartition/", views_jury.jury_assign, name="staff_jury_assign"),
    path("appels/<id:pk>/jury/envoi/", views_jury_bulk.jury_send, name="staff_jury_send"),
    path("appels/<id:pk>/jury/cloture/", views_jury_bulk.jury_close, name="staff_jury_close"),
    path(
        "appels/<id:pk>/jury/remplacement/",
        views_jury_bulk.jury_replace,
        name="staff_jury_replace",
    ),
    path(
        "appels/<id:pk>/jury/rapport/<slug:key>/",
        views_jury_bulk.jury_bulk_report,
        name="staff_jury_bulk_report",
    ),
    path("appels/<id:pk>/jury/relancer/", views_jury.jury_remind, name="staff_jury_remind"),
    path("appels/<id:pk>/jury/conflits/", views_jury.jury_conflicts, name="staff_jury_conflicts"),
    path(
        "appels/<id:pk>/jury/conflits/export.csv",
        views_jury.jury_conflicts_csv,
        name="staff_jury_conflicts_csv",
    ),
    path(
        "appels/<id:pk>/jury/conflits/export.xlsx",
        views_jury.jury_conflicts_xlsx,
        name="staff_jury_conflicts_xlsx",
    ),
    path("jury/<id:pk>/", views_jury.staff_scorecard, name="staff_scorecard"),
    path("jury/<id:pk>/conflit/", views_jury.staff_conflict, name="staff_conflict"),
    path(
        "jury/<id:pk>/sans-conflit/",
        views_confirm.staff_confirm_no_conflict,
        name="staff_confirm_no_conflict",
    ),
    path("mes-interets/", views_interests.interests_page, name="staff_interests"),
    path(
        "mes-interets/<id:pk>/retirer/",
        views_interests.withdraw_interest,
        name="staff_interest_withdraw",
    ),
]
