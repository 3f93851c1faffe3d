"""The site's URLs plus one view that fails, for the test of the 500 page."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def failing_view(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [*urlpatterns, path("tests/panne/", failing_view)]
