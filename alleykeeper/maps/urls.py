from django.urls import path

from alleykeeper.maps import views

app_name = "maps"
urlpatterns = [
    path("", views.map_page, name="map"),
    path("layer/<slug:key>/", views.layer_data, name="layer"),
    path("edit/<slug:kind>/<int:pk>/", views.edit, name="edit"),
    path("alley/<int:pk>/lead/", views.alley_lead, name="alley_lead"),
    path("import/", views.import_file, name="import"),
    path("community/<int:pk>/export/", views.export_file, name="export"),
]
