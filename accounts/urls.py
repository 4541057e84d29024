from django.urls import path

from accounts import notification_views, views

app_name = "accounts"

urlpatterns = [
    path("no-organisation/", views.no_organisation, name="no_organisation"),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/switch/", views.switch_organisation, name="switch"),
    path("members/", views.members, name="members"),
    path("invitations/<str:token>/", views.invitation_accept_view, name="invitation_accept"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("notifications/", notification_views.notification_list_view, name="notifications"),
    path("notifications/bell/", notification_views.notification_bell_view, name="notification_bell"),
    path("notifications/read/", notification_views.notification_read_view, name="notifications_read"),
    path("notifications/settings/", notification_views.notification_settings_view, name="notification_settings"),
]
