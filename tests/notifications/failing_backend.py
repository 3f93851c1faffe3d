"""An email backend standing for a provider that is down: its next ``failures`` sends
raise a connection error, then it delivers into ``django.core.mail.outbox`` like the
locmem backend. Configure it with

    settings.MAILERS = {"default": {"BACKEND": "tests.notifications.failing_backend.EmailBackend"}}

and set ``EmailBackend.failures`` (Django builds a new backend for every send, so the
counters are class attributes)."""

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

BACKEND = "tests.notifications.failing_backend.EmailBackend"


class EmailBackend(LocmemBackend):
    failures = 0  # how many of the next sends fail
    attempts = 0  # sends tried since the last reset()

    def __init__(self, *, alias=None, **options):
        super().__init__(alias=alias, **options)

    @classmethod
    def reset(cls, failures=0):
        cls.failures = failures
        cls.attempts = 0

    def send_messages(self, messages):
        cls = type(self)
        cls.attempts += 1
        if cls.failures > 0:
            cls.failures -= 1
            raise ConnectionRefusedError("the email provider refused the connection")
        return super().send_messages(messages)
