"""The WSGI application gunicorn serves (the ``Procfile``'s ``web``).

It runs with production settings unless ``DJANGO_SETTINGS_MODULE`` (in the
environment or in ``.env``) names another module: a served process never
falls back to local settings' DEBUG and throwaway secrets.
"""

from __future__ import annotations

from contactcenter.environment import PRODUCTION, use_settings_module

use_settings_module(PRODUCTION)

from django.core.wsgi import get_wsgi_application  # noqa: E402  (after the settings module is chosen)

application = get_wsgi_application()
