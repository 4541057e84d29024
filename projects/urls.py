from django.urls import path

from projects import audit_views, comment_views, portfolio_views, views

app_name = "projects"

urlpatterns = [
    path("", views.proposal_list_view, name="list"),
    path("new/", views.proposal_create_view, name="create"),
    path("new/autosave/", views.proposal_autosave_view, name="autosave_new"),
    path("new/discard/", views.proposal_discard_draft_view, name="discard_new"),
    path("<int:pk>/", views.proposal_detail_view, name="detail"),
    path("<int:pk>/edit/", views.proposal_edit_view, name="edit"),
    path("<int:pk>/autosave/", views.proposal_autosave_view, name="autosave"),
    path("<int:pk>/discard/", views.proposal_discard_draft_view, name="discard"),
    path("<int:pk>/archive/", views.proposal_archive_view, name="archive"),
    path("<int:pk>/history/", audit_views.history_view, name="history"),
    path("<int:pk>/comments/", comment_views.comments_view, name="comments"),
    path("<int:pk>/comments/<int:cid>/edit/", comment_views.comment_edit_view, name="comment_edit"),
    path("audit-export/", audit_views.audit_export_view, name="audit_export"),
    path("start/", portfolio_views.landing_view, name="landing"),
    path("portfolio/", portfolio_views.portfolio_view, name="portfolio"),
    path("portfolio/export.csv", portfolio_views.portfolio_csv_view, name="portfolio_csv"),
    path("portfolio/settings/", portfolio_views.portfolio_settings_view, name="portfolio_settings"),
    path("portfolio/calibration/", portfolio_views.calibration_view, name="calibration"),
    path("<int:pk>/outcome/", portfolio_views.outcome_view, name="outcome"),
]
