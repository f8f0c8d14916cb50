"""``manage.py ensure_admin``: one superuser, one random password, saved privately, never changed."""

from __future__ import annotations

import stat
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def ensure_admin() -> str:
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


def test_first_run_creates_a_superuser_with_the_printed_password(data_dir):
    output = ensure_admin()
    password = (data_dir / "admin-password.txt").read_text().strip()
    assert password in output
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.check_password(password)


def test_password_file_is_readable_by_its_owner_only(data_dir):
    ensure_admin()
    mode = stat.S_IMODE((data_dir / "admin-password.txt").stat().st_mode)
    assert mode == 0o600


def test_second_run_changes_nothing_and_points_at_the_file(data_dir):
    ensure_admin()
    password_file = data_dir / "admin-password.txt"
    first_password = password_file.read_text()
    first_hash = get_user_model().objects.get(username="admin").password

    output = ensure_admin()

    assert str(password_file) in output
    assert first_password.strip() not in output
    assert password_file.read_text() == first_password
    assert get_user_model().objects.get(username="admin").password == first_hash
    assert get_user_model().objects.count() == 1
