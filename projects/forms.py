from dataclasses import dataclass

from django import forms
from django.forms.utils import pretty_name

from accounts.forms import FieldMessagesForm
from accounts.inputs import CleanTextForm
from accounts.models import Organisation, Team, User
from projects.models import EDITABLE_FIELDS, Outcome, OutcomeStatus, Proposal, ProposalStatus, Visibility
from projects.portfolio import AI_ACT_LABELS, AI_ACT_TIERS, NOT_TRIAGED, PORTFOLIO_SORTS
from projects.selectors import SORTS, filter_choices

# A date typed as it is shown ("31 Mar 2027"); config/formats reads that, "31/03/2027" and ISO. A
# text field, not type=date: a browser's date picker shows its own locale's mm/dd/yyyy.
DATE_HINT = "e.g. 31 Mar 2027"


class UKDateInput(forms.DateInput):
    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(
            attrs={"placeholder": DATE_HINT, "autocomplete": "off", "inputmode": "text", **(attrs or {})},
            format="%-d %b %Y",
        )


class ProposalForm(CleanTextForm, FieldMessagesForm, forms.ModelForm):
    # The version this person started from; a save naming an older one is refused (projects.services).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    field_messages = {
        "title": "Give the proposal a title.",
        "problem": "Describe the problem: what goes wrong today, for whom, and how often.",
        "decision": "Say which decision or action the prediction will change.",
        "volume_period": "Choose the period the expected volume is counted over.",
        "owner": {
            "required": "Choose the proposal's owner.",
            "invalid_choice": "Choose an owner from the list: only members of the organisation can own it.",
        },
        "team": {"invalid_choice": "Choose a team from the list, or “No team”."},
        "deadline": {"invalid": "Enter the deadline as a date, e.g. 31 Mar 2027 or 31/03/2027."},
        "expected_volume": {
            "invalid": "Enter the expected volume as a whole number, e.g. 1200.",
            "min_value": "Enter an expected volume of 0 or more.",
        },
        "estimated_value": {
            "invalid": "Enter the estimated value as a whole number, e.g. 250000 (no currency sign).",
            "min_value": "Enter an estimated value of 0 or more.",
        },
    }

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
            "deadline": UKDateInput(),
        }
        help_texts = {"deadline": f"Day, month and year, {DATE_HINT} or 31/03/2027."}

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(memberships__organisation=organisation).order_by("email")
        self.fields["team"].queryset = Team.objects.filter(organisation=organisation)
        self.fields["team"].empty_label = "No team"
        # Imports and API clients that say nothing of sharing keep the default (or the current value).
        self.fields["visibility"].required = False
        self.fields["owner"].required = self.instance.pk is not None
        self.fields["expected_volume"].widget.attrs.update(min=0)
        self.fields["estimated_value"].widget.attrs.update(min=0, step=1)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length:
                # The browser stops at the limit too, but the server check is the one that counts.
                field.widget.attrs.setdefault("maxlength", field.max_length)

    def clean_visibility(self) -> str:
        return self.cleaned_data["visibility"] or self.instance.visibility or Visibility.ORGANISATION


@dataclass(frozen=True)
class FilterSelect:
    """One filter select as the template draws it: options as (value, label, selected)."""

    name: str
    label: str
    options: list[tuple[str, str, bool]]
    errors: list[str]


class ProposalFilterForm(CleanTextForm, FieldMessagesForm, forms.Form):
    """The list's filters. Team and owner choices are plain (id, name) pairs from one query
    (selectors.filter_choices), and the template draws the selects from selects(): the list is the
    busiest page, and Django's per-option widget rendering was a third of its time
    (docs/benchmarks.md)."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *ProposalStatus.choices])
    team = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    owner = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(required=False, choices=[(k, label) for k, (_, label) in SORTS.items()])

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        teams, members = filter_choices(organisation.pk)
        self.fields["team"].choices = [("", "Any team"), *teams]
        self.fields["owner"].choices = [("", "Anyone"), *members]

    def selects(self) -> list[FilterSelect]:
        """The select filters as plain data, the current choice marked. Walking bound fields and
        comparing every option through template filters took a seventh of the list page's time."""
        errors = self.errors if self.is_bound else {}
        selects = []
        for name, field in self.fields.items():
            if not isinstance(field, forms.ChoiceField):
                continue
            current = str(self.data.get(name) or "")
            options = [(str(value), str(label), str(value) == current) for value, label in field.choices]
            label = pretty_name(name) if field.label is None else str(field.label)
            selects.append(FilterSelect(name, label, options, list(errors.get(name, []))))
        return selects


class PortfolioFilterForm(ProposalFilterForm):
    """The portfolio's filters: the list's, plus verdict and stale, and the portfolio's sorts."""

    status = forms.ChoiceField(required=False, choices=[("", "Any state"), *ProposalStatus.choices], label="State")
    verdict = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any verdict"),
            ("good_fit", "Good fit"),
            ("fit_with_caveats", "Fit with caveats"),
            ("not_a_fit", "Not a fit"),
            ("none", "Not assessed"),
        ],
    )
    ai_act = forms.ChoiceField(
        required=False,
        label="EU AI Act tier",
        choices=[
            ("", "Any EU AI Act tier"),
            *((tier, AI_ACT_LABELS[tier]) for tier in AI_ACT_TIERS),
            (NOT_TRIAGED, "Not triaged"),
        ],
    )
    stale = forms.BooleanField(required=False, label="Stale only")
    sort = forms.ChoiceField(required=False, choices=[(k, label) for k, (_, label) in PORTFOLIO_SORTS.items()])

    field_order = ["q", "status", "verdict", "ai_act", "team", "owner", "sort", "stale"]


class StalenessSettingsForm(CleanTextForm, FieldMessagesForm, forms.Form):
    # A plain form: a ModelForm would write the new value onto the organisation while validating,
    # and the service could no longer tell what it was before (for the audit trail).
    assessment_max_age_days = forms.IntegerField(
        label="Assessments go stale after (days)",
        min_value=1,
        max_value=3650,
        help_text="A suitability assessment older than this is flagged as stale on the portfolio and its "
        "owner is reminded once a week. Between 1 and 3650 days.",
    )

    field_messages = {
        "assessment_max_age_days": {
            "required": "Enter after how many days an assessment goes stale, from 1 to 3650.",
            "invalid": "Enter the number of days as a whole number, from 1 to 3650.",
            "min_value": "Enter at least 1 day.",
            "max_value": "Enter at most 3650 days (ten years).",
        }
    }


class OutcomeForm(CleanTextForm, FieldMessagesForm, forms.ModelForm):
    """What happened after approval. Launched needs a yes or no on the target; abandoned, a reason."""

    target_met = forms.TypedChoiceField(
        label="Did it meet its success target?",
        required=False,
        choices=[("", "Not known yet"), ("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        widget=forms.RadioSelect,
    )

    field_messages = {
        "status": "Say what happened: being built, launched or abandoned.",
        "target_met": {"invalid_choice": "Answer yes, no or not known yet."},
    }

    class Meta:
        model = Outcome
        fields = ["status", "value_achieved", "target_met", "notes"]
        labels = {"status": "What happened", "value_achieved": "Value achieved against the success metric"}
        help_texts = {
            "value_achieved": "e.g. 91% of tickets routed correctly first time",
            "notes": "What went well or badly; for an abandoned project, why it was stopped.",
        }
        widgets = {"status": forms.RadioSelect, "notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = OutcomeStatus.choices  # a radio list needs no empty "-----" choice
        if self.instance.pk and self.instance.target_met is not None and not self.is_bound:
            self.initial["target_met"] = "yes" if self.instance.target_met else "no"
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length:
                field.widget.attrs.setdefault("maxlength", field.max_length)

    def clean(self) -> dict:
        data = super().clean()
        status = data.get("status")
        if status == OutcomeStatus.LAUNCHED and data.get("target_met") is None:
            self.add_error("target_met", "Say whether the launched project met its target (yes or no).")
        if status == OutcomeStatus.ABANDONED and not (data.get("notes") or "").strip():
            self.add_error("notes", "Say why the project was abandoned: that is what the next team learns from.")
        return data
