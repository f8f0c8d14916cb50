"""Admin test fixtures: a staff user who is not a superuser, and an integration type with secrets."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from integrations import registry
from integrations.base import IntegrationType, PlatformSpec
from tests.plugins import dummy
from tests.support.schemas import closed_object


@pytest.fixture
def staff_client(db: None, django_user_model) -> Client:
    """Logged in as staff holding every Steward permission, but not a superuser."""
    user = django_user_model.objects.create_user("staff", password="staff-pass", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="orchestrator"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def locked_type(monkeypatch: pytest.MonkeyPatch) -> IntegrationType:
    """Type ``locked``: setting ``server``, secrets ``password`` and ``api_key``, platform ``items``."""
    integration_type = IntegrationType(
        type="locked",
        settings_schema=closed_object({"server": {"type": "string"}}),
        secret_fields=("password", "api_key"),
        platforms={"items": PlatformSpec(name="items", check=dummy.check, collect=dummy.collect)},
    )
    # The registry has no unregister: it is filled once at startup. monkeypatch restores it.
    monkeypatch.setitem(registry._types, "locked", integration_type)
    return integration_type
