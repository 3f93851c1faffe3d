"""``/favicon.ico``: browsers and feed readers ask for it at the root of the site, even on
pages without the layout (PDF letters, exports)."""

from django.conf import settings
from django.http import FileResponse
from django.views.decorators.cache import cache_control

FAVICON = settings.BASE_DIR / "static" / "favicon.ico"


@cache_control(max_age=86400, public=True)
def favicon(request):
    return FileResponse(FAVICON.open("rb"), content_type="image/x-icon")
