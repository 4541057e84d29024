from django.contrib import admin

from outbox.models import OutboxItem


@admin.register(OutboxItem)
class OutboxItemAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "ref", "status", "attempts", "dispatch_failures", "sent_at", "last_error"]
    list_filter = ["status", "kind"]
    search_fields = ["ref", "key"]
    # Read-only: an item is changed by the dispatcher and the jobs, never by hand.
    readonly_fields = [f.name for f in OutboxItem._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
