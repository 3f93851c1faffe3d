"""The path converter of the ids in the site's URLs."""


class IdConverter:
    """``<id:pk>``: a database id, 1 to 18 digits. Django's ``<int:…>`` takes any number
    of digits, and an id beyond the 64-bit integers of the databases (SQLite cannot even
    bind it) would be an error page instead of the "page not found" a wrong address
    gets; 18 digits always fit."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))
