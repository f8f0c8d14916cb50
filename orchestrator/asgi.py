"""ASGI entry point for daphne: HTTP through Django, websockets through Channels."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orchestrator.settings")
django_asgi_app = get_asgi_application()

import gc  # noqa: E402

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from orchestrator.api.integration_list import IntegrationListShortcut  # noqa: E402
from orchestrator.websocket_routes import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": IntegrationListShortcut(django_asgi_app),
        "websocket": URLRouter(websocket_urlpatterns),
    }
)

# Everything imported so far lives as long as the process: move it out of the collector's reach, so
# a full collection scans only what requests allocate (it paused the event loop for tens of ms).
gc.freeze()
