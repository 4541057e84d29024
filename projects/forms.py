from django import forms

from accounts.models import Organisation, Team, User
from projects.models import EDITABLE_FIELDS, Proposal, ProposalStatus, Visibility
from projects.selectors import SORTS


class ProposalForm(forms.ModelForm):
    # The version this person started from; a save naming an older one is refused (projects.services).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    class Meta:
        model = Proposal
        fields = EDITABLE_FIELDS
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 4}),
            "decision": forms.Textarea(attrs={"rows": 2}),
            "business_objective": forms.Textarea(attrs={"rows": 2}),
            "baseline_description": forms.Textarea(attrs={"rows": 3}),
            "intended_users": forms.Textarea(attrs={"rows": 2}),
            "data_sources": forms.Textarea(attrs={"rows": 3}),
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(memberships__organisation=organisation).order_by("email")
        self.fields["team"].queryset = Team.objects.filter(organisation=organisation)
        self.fields["team"].empty_label = "No team"
        # Imports and API clients that say nothing of sharing keep the default (or the current value).
        self.fields["visibility"].required = False
        self.fields["owner"].required = self.instance.pk is not None
        self.fields["expected_volume"].widget.attrs.update(min=0)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length:
                # The browser stops at the limit too, but the server check is the one that counts.
                field.widget.attrs.setdefault("maxlength", field.max_length)

    def clean_visibility(self) -> str:
        return self.cleaned_data["visibility"] or self.instance.visibility or Visibility.ORGANISATION


class ProposalFilterForm(forms.Form):
    """The list's filters. Team and owner choices are plain (id, name) pairs, one query each,
    and the template draws the selects itself: the list is the busiest page, and Django's
    per-option widget rendering was a third of its time (docs/benchmarks.md)."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *ProposalStatus.choices])
    team = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    owner = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(required=False, choices=[(k, label) for k, (_, label) in SORTS.items()])

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(organisation=organisation).values_list("id", "name")
        owners = (
            User.objects.filter(memberships__organisation=organisation)
            .order_by("email")
            .values_list("id", "name", "email")
        )
        self.fields["team"].choices = [("", "Any team"), *teams]
        self.fields["owner"].choices = [("", "Anyone"), *((pk, name or email) for pk, name, email in owners)]
