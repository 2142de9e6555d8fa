from __future__ import annotations

from .celery import app as celery_app

# Kept equal to pyproject.toml's; exports name it as their generator's version.
__version__ = "0.6.0"

__all__ = ["__version__", "celery_app"]
