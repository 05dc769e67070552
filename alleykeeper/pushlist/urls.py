from django.urls import path

from alleykeeper.pushlist import report_views, views

app_name = "pushlist"
urlpatterns = [
    path("", views.batches, name="batches"),
    path("upload/", views.upload, name="upload"),
    path("review/", views.review_queue, name="review"),
    path("batch/<int:pk>/", views.batch_detail, name="batch"),
    path("batch/<int:pk>/progress/", views.batch_progress, name="progress"),
    path("batch/<int:pk>/retry/", views.batch_retry, name="retry"),
    path("batch/<int:pk>/discard/", views.batch_discard, name="discard"),
    path("batch/<int:pk>/report/", report_views.report, name="report"),
    path("batch/<int:pk>/export/", report_views.export, name="export"),
    path("person/<int:pk>/", views.person_detail, name="person"),
    path("person/<int:pk>/outcome/", views.person_outcome, name="outcome"),
    path("person/<int:pk>/reveal/", views.person_reveal, name="reveal"),
    path("match/<int:pk>/decide/", views.match_decide, name="decide"),
]
