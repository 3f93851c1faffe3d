"""URLs of this area (included by config/urls.py)."""

urlpatterns = []
