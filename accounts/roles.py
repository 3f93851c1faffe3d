"""Who a user is: their role groups and their organisations, read once per request
and cached on the user object. The lowest layer of the permission rules: it knows
nothing of calls or dossiers (``workflows.rules`` builds on it and re-exports it)."""

ADMINISTRATORS = "administrators"
INSTRUCTORS = "instructors"
GOVERNANCE_MEMBERS = "governance_members"
JURORS = "jurors"
ROLE_GROUPS = (ADMINISTRATORS, INSTRUCTORS, GOVERNANCE_MEMBERS, JURORS)
# The "reception" permission: entering, completing and submitting the dossier of an
# organisation that came by post, at the counter or by phone, on its behalf.
RECEPTION_ROLES = frozenset({ADMINISTRATORS, INSTRUCTORS})


def _cached(user, attr, compute):
    value = getattr(user, attr, None)
    if value is None:
        value = compute()
        setattr(user, attr, value)
    return value


def roles(user) -> frozenset:
    """The role groups of a user (one query, cached on the user object)."""
    if not user or not user.is_authenticated:
        return frozenset()
    return _cached(
        user,
        "_tds_roles",
        lambda: frozenset(user.groups.filter(name__in=ROLE_GROUPS).values_list("name", flat=True)),
    )


def organization_ids(user) -> frozenset:
    if not user or not user.is_authenticated:
        return frozenset()
    return _cached(
        user,
        "_tds_org_ids",
        lambda: frozenset(user.memberships.values_list("organization_id", flat=True)),
    )


def forget(user) -> None:
    """Drop the cached roles and memberships (after they change)."""
    for attr in ("_tds_roles", "_tds_org_ids"):
        if hasattr(user, attr):
            delattr(user, attr)


def is_administrator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active) and (
        user.is_superuser or ADMINISTRATORS in roles(user)
    )


def is_staff_member(user) -> bool:
    return is_administrator(user) or bool(roles(user))


def has_reception(user) -> bool:
    """May receive dossiers on paper, at the counter or by phone and enter them on behalf
    of an organisation (instructors and administrators)."""
    return is_administrator(user) or (
        bool(user and user.is_authenticated and user.is_active)
        and bool(RECEPTION_ROLES & roles(user))
    )
