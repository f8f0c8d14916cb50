"""Failed logins are throttled per client address: the sixth attempt in 15 minutes gets 429."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


@pytest.fixture
def client_() -> Client:
    return Client(HTTP_HOST="localhost")


def fail(client: Client) -> int:
    return client.post(LOGIN, {"username": "admin", "password": "wrong"}).status_code


def test_sixth_failed_login_is_throttled(client_, admin_user):
    assert [fail(client_) for _ in range(5)] == [200] * 5
    response = client_.post(LOGIN, {"username": "admin", "password": "wrong"})
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()


def test_throttled_client_cannot_log_in_even_with_the_right_password(client_, admin_user):
    for _ in range(5):
        fail(client_)
    response = client_.post(LOGIN, {"username": "admin", "password": "password"})
    assert response.status_code == 429


def test_throttle_applies_in_exposed_mode(exposed, admin_user):
    client = Client(HTTP_HOST="steward.example.com")
    for _ in range(5):
        fail(client)
    assert fail(client) == 429


def test_successful_login_is_not_counted(client_, admin_user):
    for _ in range(4):
        fail(client_)
    assert client_.post(LOGIN, {"username": "admin", "password": "password"}).status_code == 302
    client_.logout()
    assert fail(client_) == 200


def test_other_addresses_are_not_throttled(client_, admin_user):
    for _ in range(5):
        fail(client_)
    other = Client(HTTP_HOST="localhost", REMOTE_ADDR="127.0.0.2")
    assert fail(other) == 200
