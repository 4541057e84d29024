from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from approaches.models import ApproachSet
from approaches.versions import approaches_publish
from domain.approaches import load_approaches


class ApproachSetForm(forms.ModelForm):
    definition = forms.JSONField(
        widget=forms.Textarea(attrs={"rows": 40, "cols": 120, "style": "font-family: monospace"}),
        help_text=(
            "The candidate approaches and their profiles as JSON: every figure with its value and the reason or "
            "source behind it (units are explained in approaches/definitions/approaches.yaml), and the figures "
            "that differ per task family (by_family) and pattern complexity (by_complexity). Saving a change "
            "publishes it as a new version; reports already made keep the version they were computed with."
        ),
    )

    class Meta:
        model = ApproachSet
        fields = ["definition", "notes"]

    def clean_definition(self) -> dict:
        definition = self.cleaned_data["definition"]
        if not isinstance(definition, dict):
            raise forms.ValidationError("The definition must be a JSON object.")
        try:
            load_approaches({**definition, "version": int(definition.get("version") or 1)})
        except (ValueError, KeyError, TypeError) as exc:
            raise forms.ValidationError(f"Not a valid set of approaches: {exc}") from exc
        return definition


@admin.register(ApproachSet)
class ApproachSetAdmin(admin.ModelAdmin):
    form = ApproachSetForm
    list_display = ["__str__", "version", "published_at", "published_by", "notes"]
    readonly_fields = ["version", "content_hash", "published_at", "published_by"]

    def save_model(self, request: HttpRequest, obj: ApproachSet, form, change: bool) -> None:
        # Published versions are immutable: a change becomes the next version (reports keep theirs).
        version, created = approaches_publish(
            definition=form.cleaned_data["definition"], by=request.user, notes=form.cleaned_data.get("notes", "")
        )
        if created:
            messages.success(
                request,
                f"Published candidate approaches version {version.version}. New reports use it, and the "
                "conflict detector the next time a proposal's requirements change; "
                "`manage.py recompute_reports` refreshes the existing reports.",
            )
        else:
            messages.info(request, "Nothing changed in the profiles, so no new version was published.")
        obj.pk = version.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
