"""Settings come from the environment, with development-only defaults."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_settings(tmp_path, **env):
    """Import the settings in a fresh interpreter with only ``env`` set; return the
    completed process (its stdout holds the printed values)."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "PYTEST_VERSION",
            "DEBUG",
            "SECRET_KEY",
            "DATABASE_URL",
            "EMAIL_PROVIDER",
            "ALLOWED_HOSTS",
        }
    }
    clean.update({"VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings", **env})
    code = (
        "import django; from django.conf import settings; django.setup();"
        "print(settings.DEBUG, settings.DATABASES['default']['ENGINE'],"
        " settings.MAILERS['default']['BACKEND'], settings.TASKS['default']['BACKEND'],"
        " settings.LANGUAGE_CODE, settings.TIME_ZONE, sep='|')"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_development_defaults_need_no_configuration(tmp_path):
    result = load_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    debug, engine, mailer, tasks, language, tz = result.stdout.strip().split("|")
    assert debug == "True"
    assert engine == "django.db.backends.sqlite3"
    assert mailer == "django.core.mail.backends.console.EmailBackend"
    assert tasks == "django_tasks_db.DatabaseBackend"
    assert (language, tz) == ("fr", "Europe/Paris")


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = load_settings(tmp_path, DEBUG="false", ALLOWED_HOSTS="solidarites.bordeaux.fr")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_with_secret_key_and_brevo(tmp_path):
    result = load_settings(
        tmp_path,
        DEBUG="false",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="solidarites.bordeaux.fr",
        EMAIL_PROVIDER="brevo",
        BREVO_API_KEY="xkeysib-test",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/tds",
    )
    assert result.returncode == 0, result.stderr
    debug, engine, mailer, *_ = result.stdout.strip().split("|")
    assert debug == "False"
    assert engine == "django.db.backends.postgresql"
    assert mailer == "anymail.backends.brevo.EmailBackend"


def test_unknown_email_provider_is_refused_with_the_known_ones(tmp_path):
    result = load_settings(tmp_path, EMAIL_PROVIDER="pigeon")
    assert result.returncode != 0
    assert "EMAIL_PROVIDER='pigeon' is unknown" in result.stderr
    assert "brevo" in result.stderr


@pytest.mark.parametrize("provider", ["console", "file"])
def test_development_mailers(tmp_path, provider):
    result = load_settings(tmp_path, EMAIL_PROVIDER=provider)
    assert result.returncode == 0, result.stderr
    assert provider in result.stdout.split("|")[2].lower()  # ...console... or ...EmlFileBackend


def test_the_suite_uses_immediate_tasks_and_anymail_test_mailer(settings):
    assert settings.TASKS["default"]["BACKEND"].endswith("ImmediateBackend")
    assert settings.MAILERS["default"]["BACKEND"] == "anymail.backends.test.EmailBackend"


def test_the_shared_cache_is_the_database_unless_redis_is_configured(tmp_path):
    code = (
        "import django; from django.conf import settings; django.setup();"
        "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'])"
    )

    def cache_of(**env):
        clean = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "REDIS_URL"}}
        clean.update(VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings", **env)
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    assert cache_of() == ["django.core.cache.backends.db.DatabaseCache", "tds_cache"]
    assert cache_of(REDIS_URL="redis://cache.internal:6379/0") == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache.internal:6379/0",
    ]
