from django.urls import path

from alleykeeper.publicity import views

app_name = "publicity"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("material/new/", views.material_edit, name="material_new"),
    path("material/<int:pk>/", views.material_detail, name="material"),
    path("material/<int:pk>/edit/", views.material_edit, name="material_edit"),
    path("material/<int:pk>/file/", views.material_file, name="material_file"),
    path("material/<int:pk>/distribute/", views.distribution_new, name="distribute"),
    path("material/<int:pk>/sheet/", views.sheet_new, name="sheet_new"),
    path("distribution/<int:pk>/withdraw/", views.distribution_withdraw, name="withdraw"),
    path("sheet/<int:pk>/", views.sheet, name="sheet"),
    path("channels/", views.channels, name="channels"),
    path("channel/new/", views.channel_edit, name="channel_new"),
    path("channel/<int:pk>/edit/", views.channel_edit, name="channel_edit"),
]
