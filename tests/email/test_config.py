"""The email settings: validated when saved, and turned into a typed view at run time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from integrations.base import IntegrationError
from integrations.email.config import mail_settings, window_start


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"source": "maildir"}, "maildir_path"),
        ({"username": "me"}, "imap_server"),
        ({"imap_server": "mail.example.com", "security": "tls"}, "security"),
        ({"imap_server": "mail.example.com", "folders": {"archiv": "A"}}, "archiv"),
    ],
)
def test_settings_are_validated_when_saved(settings: dict[str, Any], error: str) -> None:
    from django.core.exceptions import ValidationError

    from orchestrator.models import Integration

    with pytest.raises(ValidationError, match=error):
        Integration(type="email", name="x", settings=settings).full_clean()
    Integration(type="email", name="ok", settings={"imap_server": "mail.example.com"}).full_clean()


def test_imap_defaults_follow_the_security_mode() -> None:
    assert mail_settings({"imap_server": "mail.example.com"}, {}).imap_port == 993
    secret = {"password": "hunter2-secret"}
    starttls = mail_settings({"imap_server": "mail.example.com", "security": "starttls"}, secret)
    assert starttls.imap_port == 143
    assert starttls.password == "hunter2-secret"
    assert "hunter2" not in repr(starttls)  # never printed


def test_a_relative_maildir_path_is_inside_the_data_dir(settings: Any, tmp_path: Any) -> None:
    settings.DATA_DIR = tmp_path
    assert mail_settings({"source": "maildir", "maildir_path": "demo-maildir"}, {}).maildir_path == (
        tmp_path / "demo-maildir"
    )


def test_window_is_a_duration_back_from_now() -> None:
    now = datetime(2025, 3, 10, tzinfo=UTC)
    assert window_start({"window": "7d"}, now) == now - timedelta(days=7)
    assert window_start({}, now) is None
    with pytest.raises(IntegrationError):
        window_start({"window": "soon"}, now)


def test_archive_falls_back_to_gmails_all_mail_then_to_a_clear_error() -> None:
    from integrations.email.store import role_folder

    cfg = mail_settings({"imap_server": "imap.gmail.com"}, {})
    gmail = [
        ("INBOX", frozenset()),
        ("[Gmail]/All Mail", frozenset({"\\all"})),
        ("[Gmail]/Spam", frozenset({"\\junk"})),
    ]
    assert role_folder(cfg, "archive", gmail) == "[Gmail]/All Mail"
    assert role_folder(cfg, "junk", gmail) == "[Gmail]/Spam"
    with pytest.raises(IntegrationError, match=r"set folders\.trash") as error:
        role_folder(cfg, "trash", gmail)
    assert error.value.permanent
