from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path

from accounts import views as account_views
from accounts.forms import MLFitPasswordChangeForm, MLFitSetPasswordForm
from config.api import api
from config.health import health_view, live_view
from config.metrics import metrics_view
from reports.views import report_library_view
from stakeholders.questionnaire_views import requirements_link_view, stakeholder_questionnaire_view
from stakeholders.review_views import review_policy_view, review_view


def home(request: HttpRequest) -> HttpResponse:
    return redirect("projects:list")


def ping(request: HttpRequest) -> HttpResponse:
    """The minimal view the benchmark compares every page with (no database, no template)."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", home, name="home"),
    path("ping/", ping, name="ping"),
    # Operations: probes and the metrics scrape (config/health.py, config/metrics.py); public, no session.
    path("health/", health_view, name="health"),
    path("health/live/", live_view, name="health_live"),
    path("metrics/", metrics_view, name="metrics"),
    # Before the admin's own URLs: its sign-in, throttled like ours, answers 429 when refused.
    path("admin/login/", account_views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(form_class=MLFitPasswordChangeForm),
        name="password_change",
    ),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=MLFitSetPasswordForm),
        name="password_reset_confirm",
    ),
    path("password/reset/complete/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # Organisation admin actions on members and tokens, named outside the accounts namespace (as
    # the templates and tests know them).
    path("accounts/members/<int:pk>/role/", account_views.membership_role_view, name="membership_role"),
    path("accounts/members/<int:pk>/remove/", account_views.membership_remove_view, name="membership_remove"),
    path("accounts/tokens/<int:pk>/revoke/", account_views.api_token_revoke_view, name="api_token_revoke"),
    path("accounts/", include("accounts.urls")),
    path("accounts/webhooks/", include("webhooks.urls")),
    path("proposals/", include("projects.urls")),
    path("proposals/<int:pk>/assessment/", include("suitability.urls")),
    path("proposals/<int:pk>/stakeholders/", include("stakeholders.urls")),
    path("proposals/<int:pk>/ai-act/", include("regulation.urls")),
    path("proposals/<int:pk>/reports/", include("reports.urls")),
    path("proposals/<int:pk>/review/", review_view, name="review"),
    path("review-policy/", review_policy_view, name="review_policy"),
    path("reports/", report_library_view, name="report_library"),
    path("requirements/<str:token>/", requirements_link_view, name="requirements_link"),
    path(
        "proposals/<int:pk>/stakeholders/<int:sid>/questionnaire/",
        stakeholder_questionnaire_view,
        name="stakeholder_questionnaire",
    ),
]

handler403 = "accounts.views.forbidden"
# A 500 caused by the database being unreachable is answered 503 "try again" (config/db_errors.py).
handler500 = "config.db_errors.server_error"
handler400 = "config.db_errors.bad_request"
