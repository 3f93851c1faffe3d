"""Helpers of the tests of the public pages."""

from tests.web import page

# The pages are asked for in English (the source language of the interface), so the
# assertions on wording hold whatever the French translation says.
ENGLISH = {"accept-language": "en"}


def get(client, url):
    return client.get(url, headers=ENGLISH)


def words(text: str) -> str:
    """Text as a reader gets it: runs of whitespace are one space."""
    return " ".join(text.split())


def section(response, element_id: str) -> str:
    """The text of one element of the page, by id."""
    return page(response).text(element_id)
