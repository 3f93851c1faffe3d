from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        # Connects the signal receivers of the second factor.
        from . import mfa  # noqa: F401
