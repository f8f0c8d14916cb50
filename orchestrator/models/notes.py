"""Notes: markdown results of services (research reports, summaries), optionally mirrored to files."""

from __future__ import annotations

from django.db import models


class Note(models.Model):
    title = models.CharField(max_length=300)
    body = models.TextField(help_text="Markdown")
    metadata = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=300, blank=True, help_text="Service instance id that wrote it")
    path = models.CharField(max_length=500, blank=True, help_text="File under the notes directory, if any")
    item = models.ForeignKey("orchestrator.Item", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title
