from django.urls import path

from alleykeeper.reopening import import_views, public, review_views, staff_views, views

app_name = "reopening"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("export/", views.export, name="export"),
    path("enterprise/new/", views.enterprise_edit, name="enterprise_new"),
    path("enterprise/<int:pk>/", views.enterprise_detail, name="enterprise"),
    path("enterprise/<int:pk>/edit/", views.enterprise_edit, name="enterprise_edit"),
    path("enterprise/<int:pk>/reveal/", views.enterprise_reveal, name="reveal"),
    path("enterprise/<int:pk>/call/", views.policy_call, name="call"),
    path("enterprise/<int:pk>/link/", views.link_issue, name="link_issue"),
    path("enterprise/<int:pk>/apply/", views.application_edit, name="apply"),
    path("enterprise/<int:pk>/open/", review_views.open_enterprise, name="open"),
    path("enterprise/<int:pk>/reinspect/", review_views.reinspect, name="reinspect"),
    path("enterprise/<int:pk>/staff/", staff_views.staff_list, name="staff"),
    path("enterprise/<int:pk>/report/", staff_views.report_enter, name="report_enter"),
    path("staff/<int:pk>/decide/", staff_views.staff_decide, name="staff_decide"),
    path("slots/", staff_views.calendar, name="calendar"),
    path("slots/open/", staff_views.slots_open, name="slots_open"),
    path("reports/", staff_views.reports, name="reports"),
    path("application/<int:pk>/slot/", staff_views.slot_take, name="slot_take"),
    path("link/<int:pk>/revoke/", views.link_revoke, name="link_revoke"),
    path("application/<int:pk>/", views.application_detail, name="application"),
    path("application/<int:pk>/materials/", views.material_upload, name="material_upload"),
    path("application/<int:pk>/review/", review_views.review, name="review"),
    path("application/<int:pk>/inspect/", review_views.inspect, name="inspect"),
    path("application/<int:pk>/return/", review_views.decide, {"decision": "return"}, name="return"),
    path("application/<int:pk>/reject/", review_views.decide, {"decision": "reject"}, name="reject"),
    path("application/<int:pk>/approve/", review_views.decide, {"decision": "approve"}, name="approve"),
    path("application/<int:pk>/notice/", review_views.notice, name="notice"),
    path("material/<int:pk>/", views.material_download, name="material"),
    path("import/", import_views.import_start, name="import"),
    path("import/<int:pk>/", import_views.import_job, name="import_job"),
    path("import/<int:pk>/discard/", import_views.import_discard, name="import_discard"),
    path("import/<int:pk>/errors/", import_views.import_errors, name="import_errors"),
    # The enterprise's own link (no account)
    path("e/<str:token>/", public.enterprise_link, name="public"),
    path("e/<str:token>/staff/", public.staff, name="public_staff"),
    path("e/<str:token>/slot/", public.slot, name="public_slot"),
    path("e/<str:token>/report/", public.report, name="public_report"),
]
