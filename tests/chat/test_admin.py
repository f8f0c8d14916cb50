"""The chat admin: conversations are readable by staff, deletable by the owner, never edited."""

from __future__ import annotations

import pytest
from django.test import Client

from chat.models import Conversation
from chat.submit import message_submit

pytestmark = pytest.mark.django_db


def test_a_superuser_reads_a_conversation_with_its_messages(django_user_model):
    conversation = Conversation.objects.create()
    message_submit(conversation_id=conversation.id, content="/help")
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("owner", password="pw"))
    assert client.get("/admin/chat/conversation/").status_code == 200
    page = client.get(f"/admin/chat/conversation/{conversation.id}/change/")
    assert page.status_code == 200
    assert "Available commands" in page.content.decode()
    assert client.get("/admin/chat/conversation/add/").status_code == 403
