from django.urls import path

from alleykeeper.registry import export_views, import_views, views

app_name = "registry"
urlpatterns = [
    path("", views.grids, name="grids"),
    path("grid/<int:pk>/", views.grid_detail, name="grid"),
    path("grid/<int:pk>/edit/", views.grid_edit, name="grid_edit"),
    path("building/<int:pk>/", views.building_detail, name="building"),
    path("households/", views.household_list, name="households"),
    path("household/new/", views.household_edit, name="household_new"),
    path("household/<int:pk>/", views.household_detail, name="household"),
    path("household/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("resident/new/", views.resident_edit, name="resident_new"),
    path("resident/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("resident/<int:pk>/move/", views.resident_move, name="resident_move"),
    path("resident/<int:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("search/", views.search, name="search"),
    path("export/", export_views.export, name="export"),
    path("import/", import_views.import_start, name="import"),
    path("import/template/", import_views.import_template, name="import_template"),
    path("import/<int:pk>/", import_views.import_job, name="import_job"),
    path("import/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("import/<int:pk>/errors/", import_views.import_errors, name="import_errors"),
    path("import/<int:pk>/discard/", import_views.import_discard, name="import_discard"),
]
