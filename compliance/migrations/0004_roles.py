"""The staff roles: compliance officer, supervisor, auditor."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from compliance.roles import sync_roles


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations have run; the
    # roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0003_append_only_ledgers"),
        ("calls", "0002_alter_call_options"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
