"""Conversations in the admin: read their messages, delete a conversation; never edit history."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from chat.models import Conversation, Message
from orchestrator.admin.readonly import ReadOnlyAdmin


class MessageInline(admin.TabularInline):
    model = Message
    fields = ("id", "created_at", "role", "type", "content", "metadata", "stored_by_task")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ("id", "title", "last_activity", "created_at")
    search_fields = ("id", "title")
    readonly_fields = ("id", "title", "cleared_through", "created_at", "last_activity")
    inlines = [MessageInline]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)
