"""The role groups exist once the database is migrated."""

import importlib

from django.contrib.auth.models import Group

from workflows import rules


def test_migrations_create_the_four_role_groups(db):
    names = set(Group.objects.filter(name__in=rules.ROLE_GROUPS).values_list("name", flat=True))
    assert names == {"administrators", "instructors", "governance_members", "jurors"}


def test_migration_names_the_groups_of_the_rules_module():
    migration = importlib.import_module("workflows.migrations.0002_roles")
    assert tuple(migration.ROLE_GROUPS) == rules.ROLE_GROUPS
