from django.urls import path

from regulation import views

app_name = "regulation"

urlpatterns = [
    path("", views.triage_home, name="home"),
    path("start/", views.triage_start_view, name="start"),
    path("questions/", views.triage_questions_view, name="questions"),
    path("result/", views.triage_result_view, name="result"),
    path("duties/<slug:key>/", views.obligation_tick_view, name="tick"),
]
