#!/usr/bin/env python
"""The development command line: local settings unless DJANGO_SETTINGS_MODULE
(in the environment or in .env) names another module. Served processes use
``python -m contactcenter`` instead, which defaults to production."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    # Chosen before anything from the contactcenter package is imported:
    # importing it creates the Celery app, which would pick production.
    # django-environ reads .env as contactcenter.environment does, never
    # overriding the environment.
    import environ

    if environ.Env().bool("DJANGO_READ_DOT_ENV", default=True):
        environ.Env.read_env(Path(__file__).resolve().parent / ".env")
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        os.environ["DJANGO_SETTINGS_MODULE"] = "contactcenter.settings.local"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
