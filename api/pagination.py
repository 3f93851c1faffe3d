"""Cursor pagination of the API's lists: stable while dossiers change (no page skips
or repeats a row as offsets would), and no COUNT query."""

import base64
import binascii
import json
from datetime import datetime

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import replace_query_param

from workflows.trail import TRAIL_FIELDS

from .problems import Problem


class Cursor(CursorPagination):
    """50 a page, up to 100; a wrong cursor is a problem."""

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


class DossierCursor(Cursor):
    """Dossiers most recently changed first (ties by id)."""

    ordering = ("-changed_at", "-pk")


class DecisionCursor(Cursor):
    """Decisions most recently taken first (ties by id)."""

    ordering = ("-decided_at", "-pk")


class TrailCursor:
    """Pages of the audit trail, newest first, by a cursor naming the last entry seen
    (its time, kind and id): entries added meanwhile do not shift the pages. The trail
    is a union of two tables, which Django cannot filter after the union: the cursor
    is handed to ``workflows.trail.trail``, which filters each table."""

    cursor_query_param = "cursor"
    page_size = 50

    def position(self, request):
        """The (at, kind, pk) of the cursor sent, or ``None`` for the first page."""
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        try:
            at, kind, pk = json.loads(base64.urlsafe_b64decode(raw.encode()))
            at = datetime.fromisoformat(at)
            if kind not in ("transition", "event") or not isinstance(pk, int) or at.tzinfo is None:
                raise ValueError(kind)
        except (ValueError, TypeError, UnicodeError, binascii.Error):
            message = _("This page cursor is not valid: follow the “next” and “previous” links.")
            raise Problem(
                400,
                "invalid_cursor",
                message,
                [{"field": self.cursor_query_param, "message": message}],
            ) from None
        return at, kind, pk

    def page(self, rows, request, page_size=None) -> tuple[list, str | None]:
        """The rows of this page (from ``rows``, a trail already after the cursor) and
        the link to the next one, or ``None`` at the end."""
        size = page_size or self.page_size
        found = list(rows[: size + 1])
        if len(found) <= size:
            return found, None
        found = found[:size]
        last = dict(zip(TRAIL_FIELDS, found[-1], strict=True))
        cursor = base64.urlsafe_b64encode(
            json.dumps([last["at"].isoformat(), last["kind"], last["pk"]]).encode()
        ).decode()
        url = request.build_absolute_uri()
        return found, replace_query_param(url, self.cursor_query_param, cursor)
