from django.urls import path

from suitability import views

app_name = "assessments"

urlpatterns = [
    path("", views.assessment_home, name="home"),
    path("start/", views.assessment_start_view, name="start"),
    path("<int:aid>/step/<slug:section>/", views.section_view, name="section"),
    path("<int:aid>/review/", views.review_view, name="review"),
    path("<int:aid>/complete/", views.complete_view, name="complete"),
    path("<int:aid>/result/", views.result_view, name="result"),
    path("<int:aid>/upgrade/", views.upgrade_view, name="upgrade"),
]
