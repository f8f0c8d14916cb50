from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orchestrator", "0006_hardening_permissions_versions")]

    operations = [
        migrations.AddField(
            model_name="run",
            name="items_failed",
            field=models.PositiveIntegerField(
                default=0, help_text="Items a source could not read this run (the others went on)"
            ),
        ),
    ]
