"""What accounts tells the apps built on it (accounts imports none of them): the
receivers of ``workflows.receivers`` record access changes in the audit trail and
write the invitation and account emails to the outbox."""

from django.dispatch import Signal

# Someone's roles or memberships changed: ``event`` (audit slug), ``actor``,
# ``subject_user``, ``data``.
access_changed = Signal()

# An invitation was created, its email is due: ``invitation``, ``inviter``,
# ``inviter_email`` (the inviter's verified address), ``accept_url``, ``expires_at``.
invitation_created = Signal()

# django-allauth rendered an account email (sign-up verification, password reset...),
# to be sent: ``message`` (an EmailMessage), ``template_prefix``.
account_email_rendered = Signal()
