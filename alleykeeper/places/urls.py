from django.urls import path

from alleykeeper.places import views

app_name = "places"
urlpatterns = [
    path("children/", views.children, name="children"),
]
