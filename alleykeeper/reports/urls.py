from django.urls import path

from alleykeeper.reports import daily_views, views

app_name = "reports"
urlpatterns = [
    path("", daily_views.daily, name="daily"),
    path("generate/", daily_views.generate, name="generate"),
    path("daily/<int:pk>/", daily_views.report_detail, name="report"),
    path("daily/<int:pk>/sign/", daily_views.report_sign, name="sign"),
    path("daily/<int:pk>/regenerate/", daily_views.report_regenerate, name="regenerate"),
    path("daily/<int:pk>/correct/", daily_views.report_correct, name="correct"),
    path("daily/<int:pk>/export/", daily_views.report_export, name="export"),
    path("daily/<int:pk>/print/", daily_views.report_print, name="print"),
    path("street/<int:pk>/<str:day>/", daily_views.street_detail, name="street"),
    path("figure/<str:key>/", views.figure_records, name="figure_records"),
]
