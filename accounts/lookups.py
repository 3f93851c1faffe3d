"""``pk__in`` (and every ``__in`` on an integer column) with a number beyond the
column's range: Django answers "no row" for ``exact``, ``gt``… but lets ``in`` reach the
database, where SQLite cannot even bind it (OverflowError) and PostgreSQL refuses it.
A form or a URL of the site that posts a huge id then gets an error page instead of
"not found" or a form error. Registered for every app by AccountsConfig.ready: the
values out of range are left out (they match no row)."""

from django.db.models import IntegerField
from django.db.models.lookups import In


class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(
                self.lhs.output_field.get_internal_type()
            )
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)


def register():
    IntegerField.register_lookup(IntegerFieldIn)
