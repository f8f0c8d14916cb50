from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orchestrator", "0007_github_run_items_failed")]

    operations = [
        migrations.AddField(
            model_name="script",
            name="sensitive_inputs",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Inputs that choose where the effect goes or who sees it (a URL, a recipient): "
                "rules may only write them literally",
            ),
        ),
        migrations.AddField(
            model_name="llmprofile",
            name="send_fields",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Only these fields of an item go to this profile (e.g. [subject, body]); empty = all",
            ),
        ),
        migrations.AddField(
            model_name="llmprofile",
            name="redact",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Removed before sending: emails, phone_numbers, urls, or {regex: <pattern>, name: <label>}",
            ),
        ),
        migrations.CreateModel(
            name="EgressRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                (
                    "integration_id",
                    models.CharField(blank=True, help_text="e.g. email.personal", max_length=200),
                ),
                ("llm_profile", models.CharField(blank=True, help_text="for LLM calls", max_length=64)),
                (
                    "destination",
                    models.CharField(help_text="host (and port when not the default)", max_length=255),
                ),
                ("method", models.CharField(default="POST", max_length=8)),
                (
                    "purpose",
                    models.CharField(help_text="classify, chat, web_research, comment, …", max_length=64),
                ),
                (
                    "fields",
                    models.JSONField(
                        blank=True, default=list, help_text="what was sent, by name: subject, body[:5000]"
                    ),
                ),
                ("bytes_sent", models.PositiveIntegerField(default=0)),
                ("bytes_received", models.PositiveIntegerField(default=0)),
                (
                    "status",
                    models.PositiveSmallIntegerField(
                        blank=True, help_text="HTTP status; empty if none", null=True
                    ),
                ),
                (
                    "redactions",
                    models.JSONField(blank=True, default=dict, help_text="redaction name → count"),
                ),
                (
                    "local",
                    models.BooleanField(
                        default=False, help_text="the destination is loopback or a private network"
                    ),
                ),
                (
                    "item",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="egress",
                        to="orchestrator.item",
                    ),
                ),
            ],
            options={
                "verbose_name": "egress record",
                "ordering": ["-id"],
                "indexes": [
                    models.Index(fields=["destination", "created_at"], name="egress_destination_time")
                ],
            },
        ),
    ]
