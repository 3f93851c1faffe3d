"""French date and time formats (``FORMAT_MODULE_PATH``): Django's, with the hour
written the French way ("14 h 30", non-breaking spaces) and "à" between the date and
the hour. "1er" for the first day of a month is added by ``config.typography``."""

from django.conf.locale.fr.formats import *  # noqa: F403

TIME_FORMAT = "G\u00a0\\h\u00a0i"
DATETIME_FORMAT = "j F Y \\à G\u00a0\\h\u00a0i"
