"""Steward settings: every knob comes from the environment (README, docs/CONFIG.md), with safe defaults.

The embedded default is SQLite in STEWARD_DATA_DIR plus the in-process llama.cpp model; scale-out
swaps in PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) without code changes.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from orchestrator.data_dir import STATIC_DIR, data_dir_path, stored_fernet_keys, stored_secret_key
from orchestrator.environment import (
    SettingError,
    allowed_hosts,
    auth_required,
    env_bool,
    env_choice,
    env_list,
    env_str,
    is_loopback_host,
    machine_time_zone,
)

# Importing the settings writes nothing: manage.py prepares the data dir and its keys for the
# commands that need them (orchestrator/data_dir.py).
BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = data_dir_path()

# Lets the code subscript Django's generic classes at runtime (ModelAdmin[Task], ModelForm[Item]),
# as mypy requires (disallow_any_generics); it patches classes in memory and writes nothing.
django_stubs_ext.monkeypatch()

try:
    DEBUG = env_bool("DEBUG")
    SECRET_KEY = stored_secret_key(DATA_DIR)
    FERNET_KEYS = stored_fernet_keys(DATA_DIR)
    AUTH_MODE = env_choice("STEWARD_AUTH", ("auto", "required", "off"), "auto")
except SettingError as exc:
    raise ImproperlyConfigured(str(exc)) from exc

# --- Bind address and authentication (docs/SECURITY.md) ---------------------------------------------
# The supervisor tells its children where daphne listens; authentication follows from it.
BIND_HOST = env_str("STEWARD_BIND_HOST", "127.0.0.1")
BIND_IS_LOOPBACK = is_loopback_host(BIND_HOST)
if AUTH_MODE == "off" and not BIND_IS_LOOPBACK:
    raise ImproperlyConfigured(
        f"STEWARD_AUTH=off is refused while bound to {BIND_HOST}: anyone on the network could "
        "run actions. Bind to 127.0.0.1 or leave STEWARD_AUTH at auto/required."
    )
# The forking supervisor re-derives these three for the host it binds (orchestrator/supervision.py).
AUTH_REQUIRED = auth_required(AUTH_MODE, BIND_HOST)
EXTRA_HOSTS = env_list("STEWARD_ALLOWED_HOSTS")
ALLOWED_HOSTS = allowed_hosts(bind_host=BIND_HOST, required=AUTH_REQUIRED, extra=EXTRA_HOSTS)
CSRF_TRUSTED_ORIGINS = [
    f"{scheme}://{host}" for host in EXTRA_HOSTS if host != "*" for scheme in ("http", "https")
]

# --- Applications ---------------------------------------------------------------------------------
# daphne's app only makes `runserver` the ASGI one (it must precede staticfiles), and importing it
# installs Twisted's reactor: ~0.3 s of start-up and Twisted in every process, workers included.
# Only `runserver` gets it; the supervisor runs daphne itself (orchestrator/forked_children.py).
RUNSERVER_APPS = ["daphne"] if sys.argv[1:2] == ["runserver"] else []
INSTALLED_APPS = [
    *RUNSERVER_APPS,
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # serves the OpenAPI docs' assets locally (no CDN)
    "channels",
    "django_q",
    "orchestrator",
    "integrations",
    "integrations.email",  # doctor checks and the setup_demo command
    "chat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "orchestrator.security.middleware.OriginCheckMiddleware",
    "orchestrator.security.middleware.NulPathMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "orchestrator.security.middleware.AuthenticationRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "orchestrator.urls"
ASGI_APPLICATION = "orchestrator.asgi.application"
WSGI_APPLICATION = None
LOGIN_URL = "/admin/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "steward.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so writers queue on the busy timeout
                # instead of failing with "database is locked" when upgrading a read lock.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channels (websocket push) ----------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS: dict[str, Any] = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    # The embedded default pushes through the database (chat issue); in-process groups still work.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Cache: login throttling and short-lived UI state, shared by every web process on Redis -------
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # One web process on one machine: its own memory is the whole picture.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Task queue: Django-Q2 runs workers, our Task table is the queue (docs/ARCHITECTURE.md) -------
TASK_MAX_RUNTIME_S = 600  # the longest any task type may declare
# One cluster: STEWARD_Q_WORKERS background workers (default 2; ordering tests use 1) plus
# STEWARD_Q_RESERVED_WORKERS kept free of background work, so priorities 1–2 (chat turns, approved
# actions) start at once (orchestrator/queue/broker.py).
STEWARD_Q_RESERVED_WORKERS = int(os.environ.get("STEWARD_Q_RESERVED_WORKERS") or 1)
Q_CLUSTER: dict[str, Any] = {
    "name": "default",
    "workers": int(os.environ.get("STEWARD_Q_WORKERS") or 2) + STEWARD_Q_RESERVED_WORKERS,
    "queue_limit": 1,
    "bulk": 1,
    "timeout": TASK_MAX_RUNTIME_S + 60,
    "retry": TASK_MAX_RUNTIME_S + 120,
    "max_attempts": 1,  # our broker counts attempts itself, at claim time
    "catch_up": False,  # one run after downtime, not one per missed slot
    # Schedules fire from whichever cluster holds the scheduler lease, so exactly once across
    # machines (orchestrator/queue/scheduler_lease.py), not from every sentinel.
    "scheduler": False,
    "save_limit": -1,  # results live in our Task table
    "poll": 0.1,
    "broker_class": "orchestrator.queue.broker.TaskTableBroker",
    "orm": "default",
    "ack_failures": True,
}
# Tests pass short cluster settings through the environment of a subprocess (Django-Q2 reads once).
for _key, _env in (("timeout", "STEWARD_Q_TIMEOUT"), ("retry", "STEWARD_Q_RETRY")):
    if os.environ.get(_env):
        Q_CLUSTER[_key] = int(os.environ[_env])
# How long evaluate-after-classify gathers answers before it runs ahead of a classification backlog
# (orchestrator/pipeline/next_stage.py); 0: after the whole backlog (the tests, no timed waits).
STEWARD_EVALUATE_GATHER_S = float(os.environ.get("STEWARD_EVALUATE_GATHER_S") or 10)

# --- Time -------------------------------------------------------------------------------------------
TIME_ZONE = env_str("STEWARD_TIME_ZONE") or machine_time_zone()
USE_TZ = True
USE_I18N = False
LANGUAGE_CODE = "en-us"

# --- Static files (served by WhiteNoise inside the ASGI app; no CDN) -------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / STATIC_DIR  # created by data_dir_prepare: WhiteNoise warns when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve straight from the app dirs: no collectstatic step needed

# --- Request limits ----------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# --- Steward ----------------------------------------------------------------------------------------
STEWARD_PLUGINS = env_list("STEWARD_PLUGINS")
STEWARD_OUTBOUND_ALLOW = env_list("STEWARD_OUTBOUND_ALLOW")
STEWARD_NOTES_DIR = env_str("STEWARD_NOTES_DIR")
STEWARD_LOGS_DIR = env_str("STEWARD_LOGS_DIR")
# The chat LLM by dotted path (chat/llm_seam.py); tests point it at a scripted model.
STEWARD_CHAT_LLM = env_str("STEWARD_CHAT_LLM", "orchestrator.llm.chat")
# The classify seam by dotted path (orchestrator/pipeline/classify.py); empty = the LLM layer.
STEWARD_CLASSIFIER = env_str("STEWARD_CLASSIFIER")
HEARTBEAT_FRESH_S = 60

# --- Logging: operational log to stderr (the audit log is separate) --------------------------------
LOG_LEVEL = env_str("STEWARD_LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in logging.getLevelNamesMapping():
    raise ImproperlyConfigured(f"STEWARD_LOG_LEVEL={LOG_LEVEL!r} is not a logging level")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"},
    },
    "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": sys.stderr, "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django-q": {"level": "WARNING"},  # Django-Q2's logger name has a hyphen
        "daphne": {"level": "WARNING"},
        "autobahn": {"level": "WARNING"},  # says at every start that its C parser is off (on purpose)
    },
}
