from django.urls import path

from alleykeeper.sanitation import views

app_name = "sanitation"
urlpatterns = [
    path("", views.today, name="today"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/photo/", views.task_photo, name="photo"),
    path("places/", views.places, name="places"),
    path("places/<int:pk>/", views.place_detail, name="place"),
    path("plans/", views.plans, name="plans"),
    path("plans/new/", views.plan_edit, name="plan_new"),
    path("plans/<int:pk>/", views.plan_edit, name="plan_edit"),
]
