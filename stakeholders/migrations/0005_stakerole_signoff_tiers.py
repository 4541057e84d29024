"""The review policy by EU AI Act tier: a role may be required to sign off proposals the triage puts
in given tiers. Organisations whose roles already exist get the default (stakeholders.models.
DEFAULT_TIER_SIGNOFFS): legal signs off prohibited and high-risk proposals."""

from django.db import migrations, models

DEFAULT_TIER_SIGNOFFS = {"legal": ["prohibited", "high_risk"]}


def forwards(apps, schema_editor):
    StakeRole = apps.get_model("stakeholders", "StakeRole")
    for key, tiers in DEFAULT_TIER_SIGNOFFS.items():
        StakeRole.objects.filter(key=key).update(signoff_tiers=tiers)


class Migration(migrations.Migration):
    dependencies = [
        ("stakeholders", "0004_signoff_acknowledgements"),
    ]

    operations = [
        migrations.AddField(
            model_name="stakerole",
            name="signoff_tiers",
            field=models.JSONField(blank=True, default=list, verbose_name="must sign off for these EU AI Act tiers"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
