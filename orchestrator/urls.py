from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from orchestrator.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("ui/", include("chat.urls")),
    path("ui/", include("orchestrator.ui.urls")),
    path("", api.urls),
]
