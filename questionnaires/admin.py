import json

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from questionnaires.engine import load_questionnaire
from questionnaires.models import Answer, Assessment, QuestionnaireVersion
from questionnaires.versions import questionnaire_publish


class QuestionnaireVersionForm(forms.ModelForm):
    definition = forms.JSONField(
        widget=forms.Textarea(attrs={"rows": 40, "cols": 120, "style": "font-family: monospace"}),
        help_text="The questionnaire as JSON. Saving a change publishes it as a new version; this one stays as it is.",
    )

    class Meta:
        model = QuestionnaireVersion
        fields = ["definition", "notes"]

    def clean_definition(self) -> dict:
        definition = self.cleaned_data["definition"]
        if not isinstance(definition, dict):
            raise forms.ValidationError("The definition must be a JSON object.")
        try:
            load_questionnaire(definition)
        except (ValueError, KeyError, TypeError) as exc:
            raise forms.ValidationError(f"Not a valid questionnaire: {exc}") from exc
        if self.instance.pk and definition.get("key") != self.instance.key:
            raise forms.ValidationError("The questionnaire's key cannot change; publish a new questionnaire instead.")
        return definition


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(admin.ModelAdmin):
    form = QuestionnaireVersionForm
    list_display = ["title", "key", "version", "published_at", "published_by", "notes"]
    list_filter = ["key"]
    readonly_fields = ["key", "version", "title", "content_hash", "published_at", "published_by"]

    def save_model(self, request: HttpRequest, obj: QuestionnaireVersion, form, change: bool) -> None:
        # Published versions are immutable: a change becomes the next version (assessments keep theirs).
        version, created = questionnaire_publish(
            definition=form.cleaned_data["definition"], by=request.user, notes=form.cleaned_data.get("notes", "")
        )
        if created:
            messages.success(request, f"Published {version.title} version {version.version}.")
        else:
            messages.info(request, "Nothing changed in the questions, so no new version was published.")
        obj.pk = version.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        return {"definition": json.dumps({"key": "", "title": "", "sections": [], "criteria": []})}


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    readonly_fields = ["question_key", "value", "answered_by", "updated_at"]
    can_delete = False


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["proposal", "organisation", "questionnaire", "status", "verdict", "score", "updated_at"]
    list_filter = ["organisation", "status", "verdict"]
    list_select_related = ["proposal", "organisation", "questionnaire"]
    search_fields = ["proposal__title"]
    raw_id_fields = ["proposal", "started_by", "completed_by", "upgraded_from"]
    readonly_fields = ["result", "verdict", "score", "max_score", "upgrade_notes", "completed_at"]
    inlines = [AnswerInline]
