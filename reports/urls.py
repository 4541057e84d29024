from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list_view, name="list"),
    path("<int:rid>/", views.report_detail_view, name="detail"),
    path("<int:rid>/status/", views.report_status_view, name="status"),
    path("<int:rid>/retry/", views.report_retry_view, name="retry"),
    path("<int:rid>/report.json", views.report_json_view, name="json"),
    path("<int:rid>/report.csv", views.report_csv_view, name="csv"),
    path("<int:rid>/pdf/", views.report_pdf_view, name="pdf"),
    path("<int:rid>/report.docx", views.report_docx_view, name="docx"),
    path("compare/", views.report_compare_view, name="compare"),
]
