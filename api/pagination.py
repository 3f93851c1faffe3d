"""Cursor pagination of the API's lists: stable while dossiers change (no page skips
or repeats a row as offsets would), and no COUNT query."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination

from .problems import Problem


class DossierCursor(CursorPagination):
    """Dossiers most recently changed first (ties by id), 50 a page, up to 100."""

    ordering = ("-changed_at", "-pk")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as error:
            raise Problem(
                400,
                "invalid_cursor",
                _("This page cursor is not valid: follow the “next” and “previous” links."),
                [{"field": self.cursor_query_param, "message": str(error.detail)}],
            ) from error
