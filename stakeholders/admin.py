from django.contrib import admin

from projects.admin import ReadOnlyAdmin
from stakeholders.models import Conflict, ConflictEvent, Requirement, SignOff, Stakeholder, StakeRole


@admin.register(StakeRole)
class StakeRoleAdmin(admin.ModelAdmin):
    list_display = ["label", "key", "organisation", "signoff_required", "position"]
    list_filter = ["organisation", "signoff_required"]
    list_editable = ["signoff_required", "position"]


class RequirementInline(admin.TabularInline):
    model = Requirement
    extra = 0
    fields = ["dimension", "op", "value", "unit", "metric", "must_have", "weight", "note"]


@admin.register(Stakeholder)
class StakeholderAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "role", "proposal", "user", "responded_at"]
    list_select_related = ["role", "proposal", "user"]
    raw_id_fields = ["proposal", "user", "invited_by"]
    search_fields = ["name", "email"]
    readonly_fields = ["token_hash", "token_expires_at", "invited_at", "responded_at"]
    inlines = [RequirementInline]


class ConflictEventInline(admin.TabularInline):
    model = ConflictEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "decision", "rationale", "by", "at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Conflict)
class ConflictAdmin(admin.ModelAdmin):
    list_display = ["title", "proposal", "kind", "severity", "status"]
    list_filter = ["kind", "severity", "status"]
    list_select_related = ["proposal"]
    raw_id_fields = ["proposal", "resolved_by"]
    readonly_fields = ["fingerprint"]
    inlines = [ConflictEventInline]


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    """Decisions are part of the record: readable here, changed only through the review workflow."""

    list_display = ["proposal", "round", "role_label", "user", "decision", "is_override", "created_at"]
    list_filter = ["decision", "is_override"]
    list_select_related = ["proposal", "user"]
