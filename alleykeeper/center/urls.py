from django.urls import path

from alleykeeper.center import dashboard_views, views

app_name = "center"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", dashboard_views.overview, name="dashboard"),
    path("dashboard/community/<int:pk>/", dashboard_views.community, name="dashboard_community"),
    path("dashboard/grid/<int:pk>/", dashboard_views.grid, name="dashboard_grid"),
]
