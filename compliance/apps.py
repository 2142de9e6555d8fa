from __future__ import annotations

from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks, signals  # noqa: F401  (registers system checks and audit receivers)

        post_migrate.connect(_sync_roles, sender=self)


def _sync_roles(sender: AppConfig, apps: object = None, **kwargs: object) -> None:
    """The data migration creates the groups; this sets their permissions after any
    migrate or flush (a flush empties the groups table)."""
    from django.apps import apps as installed_apps
    from django.contrib.auth.management import create_permissions

    from .roles import sync_roles

    # migrate passes its historical models; flush passes none. Permissions
    # of apps after this one in INSTALLED_APPS don't exist yet either.
    apps = apps or installed_apps
    for app_config in installed_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, apps=apps)
    sync_roles(apps)
