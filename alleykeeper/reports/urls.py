from django.urls import path

from alleykeeper.reports import views

app_name = "reports"
urlpatterns = [
    path("figure/<str:key>/", views.figure_records, name="figure_records"),
]
