"""What every page of an administrator shows about the outbox: the failing emails."""

from functools import cached_property

from workflows import rules

from . import services


class OutboxWarning:
    """``outbox_warning.count``: how many emails are failing, computed only when a
    template asks and only for an administrator (one COUNT query)."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int:
        user = self.user
        if not (user and user.is_authenticated and rules.is_administrator(user)):
            return 0
        return services.failing_count()


def outbox_warning(request):
    return {"outbox_warning": OutboxWarning(getattr(request, "user", None))}
