from django import forms

from accounts.inputs import CleanTextForm
from accounts.models import Organisation, User
from stakeholders.models import StakeRole
from stakeholders.requirements import RULES, RequirementError, normalise


class StakeholderForm(CleanTextForm, forms.Form):
    """A member of the organisation, or a named outside person with an email address."""

    member = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="A member")
    name = forms.CharField(required=False, max_length=150, label="Or someone else: name")
    email = forms.EmailField(required=False, max_length=254, label="Their email")
    role = forms.TypedChoiceField(coerce=int, label="Their stake")

    def __init__(
        self,
        *args,
        organisation: Organisation,
        roles: list[StakeRole],
        existing: set[str],
        members: list[tuple[int, str, str]] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # `members` (organisation_members) when the page has them already: one query for the page.
        if members is None:
            members = organisation_members(organisation)
        self.fields["member"].choices = [
            ("", "— choose a member —"),
            *((pk, name or email) for pk, name, email in members),
        ]
        # No role is preselected: a wrong default stake is too easy to submit unnoticed.
        self.fields["role"].choices = [("", "— choose their stake —"), *((r.pk, r.label) for r in roles)]
        self.fields["role"].error_messages["required"] = "Choose their stake: the part of the work they answer for."
        self.roles = {r.pk: r for r in roles}
        self.existing = existing

    def clean(self) -> dict:
        # Each refusal is told beside the field it concerns (the page shows field errors in place),
        # and only the choice between a member and someone outside, which concerns several, on top.
        cleaned = super().clean()
        member, name, email = cleaned.get("member"), cleaned.get("name", "").strip(), cleaned.get("email", "")
        if member and (name or email):
            raise forms.ValidationError("Choose a member or name someone else, not both.")
        if member:
            cleaned["user"] = User.objects.get(pk=member)
            email = cleaned["user"].email
        elif not name and not email and not self.errors.get("email"):
            raise forms.ValidationError("Choose a member, or give the name and email of someone outside.")
        elif not name:
            self.add_error("name", "Give their name, as colleagues know them.")
        elif not email and not self.errors.get("email"):
            self.add_error("email", "Give their email address: the link to state their requirements goes there.")
        if email and email.lower() in self.existing:
            self.add_error("member" if member else "email", f"{email} is already a stakeholder of this proposal.")
        cleaned["role_obj"] = self.roles.get(cleaned.get("role"))
        return cleaned


def organisation_members(organisation: Organisation) -> list[tuple[int, str, str]]:
    """The organisation's members as (id, name, email), by name: one query."""
    return list(
        User.objects.filter(memberships__organisation=organisation)
        .order_by("name", "email")
        .values_list("id", "name", "email")
    )


class LinkMemberForm(forms.Form):
    """The member an outside stakeholder is (linking them): one of the organisation's members who
    is not a stakeholder of the proposal already."""

    member = forms.TypedChoiceField(coerce=int, label="The member they are")

    def __init__(self, *args, members: list[tuple[int, str, str]], taken: set[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [
            ("", "— choose a member —"),
            *((pk, name or email) for pk, name, email in members if pk not in taken),
        ]
        self.fields["member"].error_messages["required"] = "Choose the member this stakeholder is."
        self.fields["member"].error_messages["invalid_choice"] = (
            "Choose one of the listed members: a member of the organisation who is not a stakeholder here already."
        )


class RequirementForm(CleanTextForm, forms.Form):
    op = forms.ChoiceField(choices=[("<=", "at most"), (">=", "at least"), ("==", "exactly")])
    value = forms.CharField(max_length=60)
    unit = forms.CharField(max_length=20, required=False)
    must_have = forms.BooleanField(required=False, label="Must-have")
    weight = forms.IntegerField(min_value=1, max_value=5, initial=3)
    metric = forms.CharField(max_length=40, required=False)

    def __init__(self, *args, dimension: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.dimension = dimension
        self.rule = RULES[dimension]
        self.fields["op"].choices = [(op, label) for op, label in self.fields["op"].choices if op in self.rule.ops]
        self.unit_choices = list(self.rule.units)

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            op, value, unit = normalise(self.dimension, cleaned["op"], cleaned["value"], cleaned.get("unit", ""))
        except RequirementError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
            return cleaned
        cleaned.update(op=op, value=value, unit=unit)
        return cleaned


class ConflictResolutionForm(CleanTextForm, forms.Form):
    decision = forms.CharField(max_length=300, help_text="What was decided, e.g. “relax latency to 300 ms”.")
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
