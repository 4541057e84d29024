from django.urls import path

from stakeholders import views

app_name = "stakeholders"

urlpatterns = [
    path("", views.stakeholder_list_view, name="list"),
    path("conflicts/", views.conflicts_panel_view, name="conflicts_panel"),
    path("conflicts/<int:cid>/", views.conflict_view, name="conflict"),
    path("<int:sid>/", views.stakeholder_detail_view, name="detail"),
    path("<int:sid>/resend/", views.stakeholder_resend_view, name="resend"),
    path("<int:sid>/remove/", views.stakeholder_remove_view, name="remove"),
    path("<int:sid>/link/", views.stakeholder_link_view, name="link"),
    path("<int:sid>/compare/", views.compare_view, name="compare"),
    path("<int:sid>/requirements/<slug:dimension>/", views.requirement_cell_view, name="cell"),
]
