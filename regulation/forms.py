from django import forms

from accounts.forms import FieldMessagesForm
from accounts.inputs import CleanTextForm
from regulation.models import ObligationCheck


class ObligationCheckForm(CleanTextForm, FieldMessagesForm, forms.Form):
    """Tick a duty done with the evidence, or open it again."""

    done = forms.BooleanField(required=False, label="Done")
    evidence = forms.CharField(
        required=False,
        max_length=ObligationCheck._meta.get_field("evidence").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Evidence",
        help_text="What was done, by whom, or where the record is kept.",
    )

    def clean(self):
        data = super().clean()
        if data.get("done") and not (data.get("evidence") or "").strip():
            self.add_error("evidence", "Say what was done, or where the evidence is kept, to tick this duty done.")
        return data
