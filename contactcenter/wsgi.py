"""The WSGI application gunicorn serves (the ``Procfile``'s ``web``).

It runs with production settings unless ``DJANGO_SETTINGS_MODULE`` (in the
environment or in ``.env``) names another module: a served process never
falls back to local settings' DEBUG and throwaway secrets.
"""

from __future__ import annotations

from contactcenter.environment import PRODUCTION, use_settings_module

use_settings_module(PRODUCTION)

from django.core.wsgi import get_wsgi_application  # noqa: E402  (after the settings module is chosen)
from django.urls import get_resolver  # noqa: E402

from contactcenter.processes import settle  # noqa: E402

application = get_wsgi_application()
# The URLconf imports the views, their services and the tables they read
# (the geocoder's among them): loaded now rather than by the first request,
# then kept out of the collector's scans.
get_resolver().url_patterns  # noqa: B018  (loads the URLconf)
settle()
