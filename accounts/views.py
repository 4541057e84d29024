from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.forms import (
    AcceptInvitationForm,
    AdminSignInForm,
    ApiTokenForm,
    EmailAuthenticationForm,
    InvitationForm,
    MembershipRoleForm,
    ThrottledPasswordResetForm,
)
from accounts.models import ApiToken, Membership, Role, User
from accounts.services import (
    InvitationConflict,
    InvitationError,
    MembershipChangeError,
    api_token_revoke,
    invitation_accept,
    invitation_create,
    invitation_get_usable,
    membership_remove,
    membership_set_role,
    user_for_invitation,
)
from accounts.tenancy import SESSION_KEY, get_object_for_member, member_required


class LoginView(auth_views.LoginView):
    """Django's sign-in, by email, throttled after repeated failures (accounts.throttle)."""

    authentication_form = EmailAuthenticationForm

    def form_invalid(self, form: EmailAuthenticationForm) -> HttpResponse:
        return _too_many(form, super().form_invalid(form))


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's sign-in (its form is accounts.forms.AdminSignInForm), answering 429 as ours does."""
    response = admin.site.login(request)
    form = (getattr(response, "context_data", None) or {}).get("form")
    return _too_many(form, response) if isinstance(form, AdminSignInForm) else response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ThrottledPasswordResetForm

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form: ThrottledPasswordResetForm) -> HttpResponse:
        return _too_many(form, super().form_invalid(form))


def _too_many(
    form: EmailAuthenticationForm | AdminSignInForm | ThrottledPasswordResetForm, response: HttpResponse
) -> HttpResponse:
    if form.throttled:
        response.status_code = 429
        response["Retry-After"] = str(settings.LOGIN_THROTTLE_WINDOW)
    return response


@login_required
def no_organisation(request: HttpRequest) -> HttpResponse:
    if request.membership is not None:
        return redirect("projects:list")
    return render(request, "accounts/no_organisation.html")


@login_required
def organisations(request: HttpRequest) -> HttpResponse:
    memberships = request.user.memberships.select_related("organisation").order_by("organisation__name")
    return render(request, "accounts/organisations.html", {"memberships": memberships})


@login_required
@require_POST
def switch_organisation(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("organisation", "")
    # Anything but an id (a tampered form) is the same as an organisation one is not a member of.
    organisation_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else 0
    membership = request.user.memberships.filter(organisation_id=organisation_id).first()
    if membership is None:
        messages.error(request, "You are not a member of that organisation.")
        return redirect("accounts:organisations")
    request.session[SESSION_KEY] = membership.organisation_id
    return redirect("projects:list")


@member_required(role=Role.ADMIN)
def members(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    form = InvitationForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        invitation_create(
            organisation=organisation,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            invited_by=request.user,
            accept_url=lambda raw: request.build_absolute_uri(reverse("accounts:invitation_accept", args=[raw])),
        )
        messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
        return redirect("accounts:members")
    context = {
        "form": form,
        "memberships": organisation.memberships.select_related("user").order_by("user__email"),
        "invitations": organisation.invitations.filter(accepted_at__isnull=True).select_related("invited_by"),
        "roles": Role.choices,
    }
    return render(request, "accounts/members.html", context, status=400 if form.errors else 200)


@member_required(role=Role.ADMIN)
@require_POST
def membership_role_view(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_for_member(request, Membership.objects.select_related("user"), pk=pk)
    form = MembershipRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the listed roles.")
        return redirect("accounts:members")
    try:
        membership_set_role(membership=membership, role=form.cleaned_data["role"], by=request.user)
    except MembershipChangeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{membership.user} is now {membership.get_role_display().lower()}.")
    return redirect("accounts:members")


@member_required(role=Role.ADMIN)
@require_POST
def membership_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_for_member(request, Membership.objects.select_related("user"), pk=pk)
    try:
        waiting = membership_remove(membership=membership, by=request.user)
    except MembershipChangeError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:members")
    messages.success(request, f"{membership.user} no longer has access to {request.organisation.name}.")
    if waiting:
        titles = "; ".join(f"“{p.title}”" for p in waiting[:5]) + (" and more" if len(waiting) > 5 else "")
        messages.warning(
            request,
            f"{len(waiting)} review(s) still wait on their sign-off: {titles}. Give the stakeholder to someone "
            "else on the proposal, or decide as an admin with an override.",
        )
    return redirect("accounts:members")


def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_get_usable(token=token)
    except InvitationError as exc:
        return render(request, "accounts/invitation_invalid.html", {"message": str(exc)}, status=404)

    existing = user_for_invitation(invitation=invitation)
    if existing is not None:
        # Someone who already has an account signs in as that account, then joins.
        if not request.user.is_authenticated:
            messages.info(request, "Sign in to accept the invitation.")
            return redirect(f"{reverse('login')}?next={request.path}")
        if request.user.pk != existing.pk:
            return render(
                request,
                "accounts/invitation_invalid.html",
                {"message": "This invitation was sent to another email address. Sign out and open it again."},
                status=403,
            )
        if request.method == "POST":
            return _join(request, token, existing)
        return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "form": None})

    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        # The account is opened by invitation_accept, under the invitation's lock: two submits of
        # this form at once make one account, and the second is told so.
        return _join(request, token, None, name=form.cleaned_data["name"], password=form.cleaned_data["password1"])
    status = 400 if form.errors else 200
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form}, status=status)


def _join(request: HttpRequest, token: str, user: User | None, *, name: str = "", password: str = "") -> HttpResponse:
    try:
        membership = invitation_accept(token=token, user=user, name=name, password=password)
    except InvitationError as exc:
        status = 409 if isinstance(exc, InvitationConflict) else 404
        return render(request, "accounts/invitation_invalid.html", {"message": str(exc)}, status=status)
    if not request.user.is_authenticated:
        login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_KEY] = membership.organisation_id
    messages.success(request, f"Welcome to {membership.organisation.name}.")
    return redirect("projects:list")


@member_required()
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        _, raw = ApiToken.issue(membership=request.membership, name=form.cleaned_data["name"])
        form = ApiTokenForm()
    tokens = request.membership.api_tokens.order_by("-created_at")
    others = (
        ApiToken.manageable_by(request.membership)
        .exclude(membership=request.membership)
        .select_related("membership__user")
        .order_by("membership__user__email", "-created_at")
        if request.membership.is_admin
        else None
    )
    context = {"form": form, "tokens": tokens, "others": others, "raw": raw}
    # A refused name is a 400, as on every other form: the page shows the field's message.
    status = 400 if request.method == "POST" and form.is_bound and form.errors else 200
    return render(request, "accounts/api_tokens.html", context, status=status)


@member_required()
@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    tokens = ApiToken.manageable_by(request.membership)
    token = tokens.select_related("membership__user", "membership__organisation").filter(pk=pk).first()
    if token is None:
        # Another member's token (to a non-admin), or another organisation's: same answer as a
        # missing one.
        raise Http404("Not found.")
    api_token_revoke(token=token, by=request.user)
    owner = "" if token.membership_id == request.membership.pk else f" of {token.membership.user}"
    messages.success(request, f"Token {token.name}{owner} revoked.")
    return redirect("accounts:api_tokens")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if isinstance(exception, PermissionDenied) and str(exception) else None
    return render(request, "403.html", {"message": message}, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
