from django.urls import path

from alleykeeper.api import views

app_name = "api"
urlpatterns = [
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.revoke, name="revoke"),
]
