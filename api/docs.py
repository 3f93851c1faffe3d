"""The API's human documentation: Swagger UI from the vendored files of
drf-spectacular-sidecar (served as static files, no CDN).

The page holds no inline script or style, so the site's Content-Security-Policy
(scripts and styles of this site only, nonces for the rest) applies unchanged: the
start-up script of Swagger UI is a separate request (``?script``) of this view."""

from drf_spectacular.views import SpectacularSwaggerSplitView


class SwaggerView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    title = "API — Bordeaux Terre de Solidarités"
