from django.contrib import admin

from projects.models import Comment, CommentRevision, Outcome, Proposal, ProposalDraft, ProposalRevision


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "status", "owner", "team", "updated_at"]
    list_filter = ["organisation", "status"]
    search_fields = ["title", "problem"]
    list_select_related = ["organisation", "owner", "team"]
    raw_id_fields = ["owner", "created_by", "team"]
    readonly_fields = ["version", "created_at", "updated_at"]
    show_full_result_count = False


@admin.register(ProposalRevision)
class ProposalRevisionAdmin(admin.ModelAdmin):
    list_display = ["proposal", "version", "created_by", "created_at"]
    list_select_related = ["proposal", "created_by"]
    raw_id_fields = ["proposal", "created_by"]
    readonly_fields = ["proposal", "version", "data", "created_by", "created_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        # Revisions are history: readable, never edited.
        return False


@admin.register(ProposalDraft)
class ProposalDraftAdmin(admin.ModelAdmin):
    list_display = ["user", "proposal", "organisation", "updated_at"]
    list_select_related = ["user", "proposal", "organisation"]
    raw_id_fields = ["user", "proposal"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is read, never written, through the admin."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["proposal", "anchor", "author", "created_at", "edited_at"]
    list_select_related = ["proposal", "author"]
    raw_id_fields = ["proposal", "parent", "author", "mentions"]
    search_fields = ["body"]


@admin.register(CommentRevision)
class CommentRevisionAdmin(ReadOnlyAdmin):
    list_display = ["comment", "created_at", "edited_by"]


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["proposal", "status", "target_met", "recorded_by", "updated_at"]
    list_filter = ["status", "target_met"]
    list_select_related = ["proposal", "recorded_by"]
    raw_id_fields = ["proposal", "recorded_by"]
