from django.urls import path

from alleykeeper.gates import log_views, roster_views, views, weekly_views

app_name = "gates"
urlpatterns = [
    path("", views.enclosures, name="enclosures"),
    path("enclosure/new/", views.enclosure_edit, name="enclosure_new"),
    path("enclosure/<int:pk>/", views.enclosure_detail, name="enclosure"),
    path("enclosure/<int:pk>/edit/", views.enclosure_edit, name="enclosure_edit"),
    path("enclosure/<int:pk>/buildings/", views.enclosure_buildings, name="enclosure_buildings"),
    path("gate/new/", views.gate_edit, name="gate_new"),
    path("gate/<int:pk>/", views.gate_detail, name="gate"),
    path("gate/<int:pk>/edit/", views.gate_edit, name="gate_edit"),
    path("gate/<int:pk>/rotate/", views.gate_rotate, name="gate_rotate"),
    # rosters
    path("gate/<int:pk>/roster/", roster_views.week, name="roster"),
    path("gate/<int:pk>/roster/print/", roster_views.print_week, name="roster_print"),
    path("gate/<int:pk>/roster/fill/", roster_views.fill, name="roster_fill"),
    path("gate/<int:pk>/roster/copy/", roster_views.copy_last_week, name="roster_copy"),
    path("gate/<int:pk>/roster/shift/", roster_views.add_shift, name="shift_new"),
    path("shift/<int:pk>/members/", roster_views.add_member, name="shift_add_member"),
    path("shift/<int:pk>/delete/", roster_views.delete_shift, name="shift_delete"),
    path("shift/<int:pk>/edit/", roster_views.edit_shift, name="shift_edit"),
    path("member/<int:pk>/remove/", roster_views.remove_member, name="member_remove"),
    path("member/<int:pk>/leader/", roster_views.make_leader, name="member_leader"),
    path("shift/<int:pk>/cancel/", weekly_views.cancel_shift, name="shift_cancel"),
    # the weekly roster (每周排班)
    path("gate/<int:pk>/weekly/", weekly_views.weekly, name="weekly"),
    path("gate/<int:pk>/weekly/new/", weekly_views.entry_new, name="weekly_entry_new"),
    path("gate/<int:pk>/weekly/generate/", weekly_views.generate, name="weekly_generate"),
    path("gate/<int:pk>/weekly/active/", weekly_views.set_active, name="weekly_active"),
    path("weekly/<int:pk>/edit/", weekly_views.entry_edit, name="weekly_entry_edit"),
    path("weekly/<int:pk>/delete/", weekly_views.entry_delete, name="weekly_entry_delete"),
    path("duty/", views.duty, name="duty"),
    # the gate log
    path("gate/<int:pk>/log/", log_views.log_page, name="log"),
    path("gate/<int:pk>/log/record/", log_views.record, name="log_record"),
    path("gate/<int:pk>/log/today/", log_views.today_list, name="log_today"),
    path("gate/<int:pk>/log/lookup/", log_views.lookup, name="log_lookup"),
    path("gate/<int:pk>/log/export/", log_views.export, name="log_export"),
]
