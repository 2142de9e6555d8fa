"""The staff roles: compliance officer, supervisor, auditor.

Only the groups are created here. Their permissions are set from
``compliance.roles.ROLES`` after every migrate (see ``compliance/apps.py``),
once every permission they name exists.
"""

from django.db import migrations

ROLE_NAMES = ["Compliance officer", "Supervisor", "Auditor"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_NAMES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0003_append_only_ledgers"),
        ("calls", "0002_alter_call_options"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
