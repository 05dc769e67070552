from django.urls import path

from alleykeeper.supplies import views

app_name = "supplies"
urlpatterns = [
    path("", views.stock, name="stock"),
    path("items/new/", views.item_edit, name="item_new"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/in/", views.receive, name="receive"),
    path("items/<int:pk>/out/", views.draw, name="draw"),
    path("items/<int:pk>/correct/", views.correct, name="correct"),
]
