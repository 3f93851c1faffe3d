"""Small helpers shared by the views that act on several dossiers at once."""


def posted_ids(values) -> list[int]:
    """The whole numbers among posted values, each once, in the order given."""
    ids = []
    for value in values:
        try:
            pk = int(value)
        except (TypeError, ValueError):
            continue
        if pk not in ids:
            ids.append(pk)
    return ids
