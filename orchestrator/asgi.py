"""ASGI entry point for daphne: HTTP through Django, websockets through Channels."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orchestrator.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from orchestrator.api.integration_list import IntegrationListShortcut  # noqa: E402
from orchestrator.websocket_routes import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": IntegrationListShortcut(django_asgi_app),
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
