from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, re_path

from orchestrator.api import api
from orchestrator.api.paths import api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("ui/", include("chat.urls")),
    path("ui/", include("orchestrator.ui.urls")),
    path("", api.urls),
    # What no API route matched (a malformed id included) is a JSON 404, not an HTML page.
    re_path(r"^(?:api/|integrations(?:/|$))", api_not_found),
]
