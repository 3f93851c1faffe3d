"""The development mailbox's pages (``notifications.dev_mailbox``): 404 outside
development."""

from django.http import Http404
from django.shortcuts import render

from . import dev_mailbox


def mailbox(request):
    if dev_mailbox.folder() is None:
        raise Http404
    return render(
        request,
        "notifications/dev_mailbox.html",
        {"emails": dev_mailbox.latest(), "folder": dev_mailbox.folder()},
    )


def mailbox_email(request, name):
    email = dev_mailbox.one(name)
    if email is None:
        raise Http404
    return render(request, "notifications/dev_email.html", {"email": email})
