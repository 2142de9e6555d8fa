"""Which settings module a process runs with, and the ``.env`` file.

The served processes (gunicorn's ``contactcenter.wsgi``, the Celery worker
and beat, and ``python -m contactcenter`` for release commands) default to
production settings. Only development tools choose local settings, and the
test run chooses test settings. The choice is made after ``.env`` is read, so
``DJANGO_SETTINGS_MODULE`` written there is honoured; a value in the
environment wins over both.

This module imports nothing from Django or the rest of the project: it runs
before Django is set up.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
DOT_ENV = BASE_DIR / ".env"
PRODUCTION = "contactcenter.settings.production"
LOCAL = "contactcenter.settings.local"


def read_dot_env(path: Path = DOT_ENV) -> None:
    """Read ``.env`` into the environment. A variable already set in the
    environment is never overridden. ``DJANGO_READ_DOT_ENV=0`` skips the
    file (tests and benchmarks that must not pick up a developer's file)."""
    if environ.Env().bool("DJANGO_READ_DOT_ENV", default=True):
        environ.Env.read_env(path)


def use_settings_module(default: str, *, dot_env: Path = DOT_ENV) -> str:
    """Set ``DJANGO_SETTINGS_MODULE``: the environment's, else ``.env``'s,
    else ``default``. Returns the module chosen. An empty value counts as
    unset, so it can't select nothing."""
    read_dot_env(dot_env)
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        os.environ["DJANGO_SETTINGS_MODULE"] = default
    return os.environ["DJANGO_SETTINGS_MODULE"]
