from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.webhook_list_view, name="list"),
    path("<int:pk>/", views.webhook_detail_view, name="detail"),
    path("<int:pk>/secret/", views.webhook_rotate_view, name="rotate"),
    path("<int:pk>/active/", views.webhook_active_view, name="active"),
    path("<int:pk>/delete/", views.webhook_delete_view, name="delete"),
    path("<int:pk>/ping/", views.webhook_ping_view, name="ping"),
    path("<int:pk>/deliveries/<int:did>/replay/", views.delivery_replay_view, name="replay"),
]
