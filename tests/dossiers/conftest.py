import pytest


@pytest.fixture(autouse=True)
def _english(client):
    """The pages are asked for in English, the language of the source strings, so the
    tests read the same text once the French translation is complete."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
