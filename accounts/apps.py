from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        # Connects the signal receivers of the second factor.
        from . import lookups, mfa  # noqa: F401

        # ``__in`` on integer columns ignores numbers beyond the column's range.
        lookups.register()
