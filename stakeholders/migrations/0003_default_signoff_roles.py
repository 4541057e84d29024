from django.db import migrations

# The roles that must sign off until an admin changes the policy (stakeholders.models.DEFAULT_SIGNOFF_ROLES),
# for organisations whose roles existed before the review workflow.
DEFAULT_SIGNOFF_ROLES = ["product", "ml_engineering", "legal"]


def forwards(apps, schema_editor):
    apps.get_model("stakeholders", "StakeRole").objects.filter(key__in=DEFAULT_SIGNOFF_ROLES).update(
        signoff_required=True
    )


class Migration(migrations.Migration):
    dependencies = [("stakeholders", "0002_stakerole_signoff_required_signoff")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
