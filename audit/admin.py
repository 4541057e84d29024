from django.contrib import admin

from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The trail is read, never written, through the admin."""

    list_display = ["created_at", "organisation", "actor_label", "action", "object_type", "object_label"]
    list_filter = ["organisation", "action"]
    search_fields = ["object_label", "actor_label", "action"]
    list_select_related = ["organisation"]
    show_full_result_count = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
