from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest

from accounts.inputs import CleanTextForm
from accounts.models import Role
from accounts.throttle import login_throttle, password_reset_throttle

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


class EmailAuthenticationForm(CleanTextForm, ThrottledSignInMixin, AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {**AuthenticationForm.error_messages, "throttled": THROTTLED_SIGN_IN}


class AdminSignInForm(CleanTextForm, ThrottledSignInMixin, AdminAuthenticationForm):
    """The admin's sign-in (accounts/admin.py), counted with the web's: one budget per email."""

    error_messages = {**AdminAuthenticationForm.error_messages, "throttled": THROTTLED_SIGN_IN}


class ThrottledPasswordResetForm(CleanTextForm, PasswordResetForm):
    """Each request sends an email: a few per email and per address, then 429 for a while."""

    error_messages = {
        "throttled": "Too many reset requests. Wait %(minutes)s minutes, then check your inbox or ask again.",
    }

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


class InvitationForm(CleanTextForm, forms.Form):
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args, organisation=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if self.organisation and self.organisation.memberships.filter(user__email__iexact=email).exists():
            raise forms.ValidationError("This person is already a member of the organisation.")
        return email


class AcceptInvitationForm(CleanTextForm, forms.Form):
    """For a person new to MLFit: a name and a password."""

    name = forms.CharField(max_length=150)
    password1 = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

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


class MembershipRoleForm(CleanTextForm, forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiTokenForm(CleanTextForm, forms.Form):
    name = forms.CharField(max_length=100, initial="API token")
