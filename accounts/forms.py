from typing import Any, ClassVar

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest

from accounts.inputs import CleanTextForm
from accounts.models import Role
from accounts.throttle import login_throttle, password_reset_throttle

# --- error messages that name the field and say what to do ---------------------------------------
# Django's defaults ("This field is required.", "Enter a whole number.") name nothing: read beside a
# long form, or by a screen reader out of place, they leave the person to guess which field and how.


def _messages_for(field: forms.Field, label: str) -> dict[str, str]:
    """A field's error messages worded from its label and kind; a form's own wording wins."""
    if isinstance(field, forms.BooleanField):
        required = f"Tick “{label}” to go on."
    elif isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        required = f"Choose at least one option for “{label}”."
    elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        required = f"Choose an option for “{label}”."
    elif isinstance(field, forms.DateField):
        required = f"Enter a date for “{label}”, e.g. 31 Mar 2027."
    else:
        required = f"Fill in “{label}”."
    messages = {
        "required": required,
        "invalid_choice": f"Choose one of the options offered for “{label}”.",
        "max_length": f"Shorten “{label}” to at most %(limit_value)d characters (it has %(show_value)d).",
        "min_length": f"Make “{label}” at least %(limit_value)d characters long (it has %(show_value)d).",
        "min_value": f"Enter %(limit_value)s or more for “{label}”.",
        "max_value": f"Enter %(limit_value)s or less for “{label}”.",
    }
    if isinstance(field, forms.IntegerField):
        messages["invalid"] = f"Enter “{label}” as a whole number, e.g. 1200 (digits only)."
        messages["step_size"] = f"Enter “{label}” as a whole number, e.g. 1200."
    elif isinstance(field, forms.DecimalField | forms.FloatField):
        messages["invalid"] = f"Enter “{label}” as a number, e.g. 12.5."
    elif isinstance(field, forms.DateField):
        messages["invalid"] = f"Enter “{label}” as a date, e.g. 31 Mar 2027."
    elif isinstance(field, forms.EmailField):
        messages["invalid"] = f"Enter “{label}” as an email address, e.g. name@example.com."
    return messages


class FieldMessagesForm:
    """Mix into a form (after CleanTextForm): every field's required, invalid and limit messages
    name the field and say what to do. `field_messages` words them for a field in the form's own
    terms: a string is its "required" message ("Give the proposal a title."), a dict sets any codes.
    The checks a field's validators make (min_value, max_length) take the same messages, by code."""

    field_messages: ClassVar[dict[str, str | dict[str, str]]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            label = str(field.label) if field.label else name.replace("_", " ").capitalize()
            own = self.field_messages.get(name, {})
            field.error_messages.update(
                {**_messages_for(field, label), **({"required": own} if isinstance(own, str) else own)}
            )


THROTTLED_SIGN_IN = (
    "Too many failed sign-in attempts. Wait %(minutes)s minutes and try again, "
    "or reset your password with the link below."
)


class ThrottledSignInMixin:
    """Sign-in counted by accounts.throttle: the web's form and the admin's share the counts."""

    def clean(self) -> dict:
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()  # no password is checked, so there is no guess to count
        # The attempt takes its place before the password is checked: a guess refused teaches
        # nothing, not even when it is right, and parallel guesses cannot overtake the count.
        self.throttle = login_throttle(self.request, username)
        if not self.throttle.take():
            raise forms.ValidationError(
                self.error_messages["throttled"], code="throttled", params={"minutes": self.throttle.minutes}
            )
        cleaned = super().clean()  # a ValidationError leaves the attempt counted as a failure
        self.throttle.succeeded()
        return cleaned

    @property
    def throttled(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, "throttled")


class EmailAuthenticationForm(CleanTextForm, FieldMessagesForm, ThrottledSignInMixin, AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    field_messages = {
        "username": "Enter the email address you sign in with.",
        "password": "Enter your password.",
    }
    error_messages = {**AuthenticationForm.error_messages, "throttled": THROTTLED_SIGN_IN}


class AdminSignInForm(CleanTextForm, ThrottledSignInMixin, AdminAuthenticationForm):
    """The admin's sign-in (accounts/admin.py), counted with the web's: one budget per email."""

    error_messages = {**AdminAuthenticationForm.error_messages, "throttled": THROTTLED_SIGN_IN}


class ThrottledPasswordResetForm(CleanTextForm, FieldMessagesForm, PasswordResetForm):
    """Each request sends an email: a few per email and per address, then 429 for a while."""

    error_messages = {
        "throttled": "Too many reset requests. Wait %(minutes)s minutes, then check your inbox or ask again.",
    }
    field_messages = {"email": "Enter the email address you sign in with: the reset link goes there."}

    def __init__(self, *args, request: HttpRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self) -> dict:
        cleaned = super().clean()
        throttle = password_reset_throttle(self.request, cleaned.get("email"))
        if not throttle.take():
            raise forms.ValidationError(
                self.error_messages["throttled"], code="throttled", params={"minutes": throttle.minutes}
            )
        return cleaned

    @property
    def throttled(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, "throttled")


class InvitationForm(CleanTextForm, FieldMessagesForm, forms.Form):
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)
    field_messages = {
        "email": {
            "required": "Enter the email address of the person to invite.",
            "invalid": "Enter the invitee's email address, e.g. name@example.com.",
        },
        "role": "Choose the role the person will have.",
    }

    def __init__(self, *args, organisation=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if self.organisation and self.organisation.memberships.filter(user__email__iexact=email).exists():
            raise forms.ValidationError("This person is already a member of the organisation.")
        return email


class AcceptInvitationForm(CleanTextForm, FieldMessagesForm, forms.Form):
    """For a person new to MLFit: a name and a password."""

    name = forms.CharField(max_length=150)
    password1 = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    field_messages = {
        "name": "Enter your name, as colleagues will see it.",
        "password1": "Choose a password.",
        "password2": "Type the password again, to be sure it is the one you meant.",
    }

    def __init__(self, *args, email: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict:
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif p1:
            from accounts.models import User

            try:
                password_validation.validate_password(p1, User(email=self.email, name=cleaned.get("name", "")))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class MembershipRoleForm(CleanTextForm, FieldMessagesForm, forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    field_messages = {"role": "Choose the member's new role."}


class ApiTokenForm(CleanTextForm, FieldMessagesForm, forms.Form):
    name = forms.CharField(max_length=100, initial="API token")
    field_messages = {"name": "Name the token after what uses it, e.g. “CI pipeline”."}


class MLFitPasswordChangeForm(FieldMessagesForm, PasswordChangeForm):
    """Django's, with messages that say which password is missing (for config/urls.py's view)."""

    field_messages = {
        "old_password": "Enter your current password.",
        "new_password1": "Choose a new password.",
        "new_password2": "Type the new password again.",
    }


class MLFitSetPasswordForm(FieldMessagesForm, SetPasswordForm):
    """Django's, for the reset link's page, with messages that say which field is missing."""

    field_messages = {
        "new_password1": "Choose a new password.",
        "new_password2": "Type the new password again.",
    }
