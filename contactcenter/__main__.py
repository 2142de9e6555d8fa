"""``python -m contactcenter <command>``: a management command as the served
product runs it, on production settings unless ``DJANGO_SETTINGS_MODULE``
(in the environment or in ``.env``) names another module. The ``Procfile``'s
``release`` runs migrations this way. ``manage.py`` is the development tool
and defaults to local settings.
"""

from __future__ import annotations

import sys

from contactcenter.environment import PRODUCTION, use_settings_module


def main() -> None:
    use_settings_module(PRODUCTION)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["python -m contactcenter", *sys.argv[1:]])


if __name__ == "__main__":
    main()
