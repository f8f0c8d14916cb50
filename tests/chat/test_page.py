"""``/ui/chat`` as served: the selector, vendored assets, no conversation created by a visit."""

from __future__ import annotations

import pytest

from chat.models import Conversation
from chat.submit import message_submit

pytestmark = pytest.mark.django_db


def test_the_page_lists_previous_conversations_and_creates_none(api_client):
    talked = Conversation.objects.create()
    message_submit(conversation_id=talked.id, content="Plan the trip")
    Conversation.objects.create()  # empty: not offered
    for path in ("/ui/chat", "/ui/chat/"):
        response = api_client.get(path)
        assert response.status_code == 200
        page = response.content.decode()
        assert f'<option value="{talked.id}"' in page
        assert "Plan the trip" in page
    assert Conversation.objects.count() == 2


def test_the_page_opens_the_conversation_named_in_the_url(api_client):
    talked = Conversation.objects.create()
    message_submit(conversation_id=talked.id, content="hi")
    page = api_client.get(f"/ui/chat?c={talked.id}").content.decode()
    assert f'data-current="{talked.id}"' in page
    assert 'data-current=""' in api_client.get("/ui/chat?c=nope").content.decode()


def test_assets_are_served_locally_and_no_cdn_is_referenced(api_client):
    page = api_client.get("/ui/chat").content.decode()
    assert "/static/chat/chat.js" in page
    assert "/static/chat/chat.css" in page
    assert "//" not in page  # no external URL, whatever its scheme
    assert 'name="viewport"' in page
    assert 'name="csrf-token"' in page
    for asset in ("/static/chat/chat.js", "/static/chat/chat.css"):
        response = api_client.get(asset)
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        assert b"http://" not in body
        assert b"https://" not in body


def test_exposed_mode_sends_anonymous_visitors_to_the_login(settings):
    from django.test import Client

    settings.AUTH_REQUIRED = True
    settings.ALLOWED_HOSTS = ["*"]
    response = Client(HTTP_HOST="steward.example.com").get("/ui/chat")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_in_exposed_mode_the_page_token_lets_its_session_post(settings, django_user_model):
    import re

    from django.test import Client

    settings.AUTH_REQUIRED = True
    settings.ALLOWED_HOSTS = ["*"]
    client = Client(HTTP_HOST="steward.example.com", enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.create_superuser("owner", password="pw"))
    page = client.get("/ui/chat").content.decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert client.post("/api/chat/conversations").status_code == 403
    response = client.post("/api/chat/conversations", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
