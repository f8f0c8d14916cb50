"""`create_api_token <name>` prints the token and nothing else; tokens are stored hashed."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from orchestrator.models import ApiToken
from orchestrator.models.tokens import hash_token
from tests.security.conftest import manage

TOKEN_LINE = re.compile(r"^stw_[A-Za-z0-9_-]{43}\n$")


@pytest.mark.django_db
def test_stdout_is_exactly_the_token_line():
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "laptop", stdout=out, stderr=err)
    assert TOKEN_LINE.match(out.getvalue())
    assert err.getvalue() == ""
    token = out.getvalue().strip()
    assert ApiToken.authenticate(token) == ApiToken.objects.get(name="laptop")


@pytest.mark.django_db
def test_only_the_hash_is_stored():
    out = io.StringIO()
    call_command("create_api_token", "laptop", stdout=out)
    token = out.getvalue().strip()
    stored = ApiToken.objects.get(name="laptop")
    assert stored.token_hash == hash_token(token)
    assert token not in repr(ApiToken.objects.values().get())


@pytest.mark.django_db
def test_read_only_tokens_for_a_named_user(django_user_model):
    alice = django_user_model.objects.create_user("alice")
    out = io.StringIO()
    call_command("create_api_token", "tv", "--user", "alice", "--read-only", stdout=out)
    token = ApiToken.authenticate(out.getvalue().strip())
    assert token is not None
    assert (token.user, token.read_only, token.acting_user()) == (alice, True, alice)


@pytest.mark.django_db
def test_an_unknown_user_is_a_command_error():
    with pytest.raises(CommandError, match="No active user named 'nobody'"):
        call_command("create_api_token", "tv", "--user", "nobody", stdout=io.StringIO())
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_duplicate_name_is_a_command_error():
    call_command("create_api_token", "laptop", stdout=io.StringIO())
    with pytest.raises(CommandError, match="'laptop' already exists"):
        call_command("create_api_token", "laptop", stdout=io.StringIO())
    assert ApiToken.objects.count() == 1


@pytest.mark.django_db
def test_blank_name_is_a_command_error():
    with pytest.raises(CommandError, match="1 to 100 characters"):
        call_command("create_api_token", "  ", stdout=io.StringIO())


@pytest.mark.slow
def test_real_process_prints_only_the_token(tmp_path):
    assert manage(["migrate", "--no-input", "-v", "0"], tmp_path).returncode == 0
    first = manage(["create_api_token", "ci"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert TOKEN_LINE.match(first.stdout)
    again = manage(["create_api_token", "ci"], tmp_path)
    assert again.returncode != 0
    assert again.stdout == ""
    assert "'ci' already exists" in again.stderr
