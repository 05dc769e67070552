from django.urls import path

from alleykeeper.observation import public, views, views_delivery, views_manage

app_name = "observation"
urlpatterns = [
    path("", views.today, name="today"),
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_open, name="case_open"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/call/", views.case_call, name="call"),
    path("cases/<int:pk>/extend/", views_manage.case_extend, name="extend"),
    path("cases/<int:pk>/transfer/", views_manage.case_transfer, name="transfer"),
    path("cases/<int:pk>/release/", views_manage.case_release, name="release"),
    path("cases/<int:pk>/escalate/", views_manage.case_escalate, name="escalate"),
    path("cases/<int:pk>/clear-fever/", views_manage.case_clear_fever, name="clear_fever"),
    path("cases/<int:pk>/reassign/", views_manage.case_reassign, name="reassign"),
    path("cases/<int:pk>/note/", views_manage.case_note, name="note"),
    path("cases/<int:pk>/link/", views_manage.case_link, name="link"),
    path("cases/<int:pk>/phone/", views_manage.case_phone, name="phone"),
    path("cases/<int:pk>/notice/", views_manage.case_notice, name="notice"),
    path("cases/<int:pk>/requests/new/", views_delivery.request_new, name="request_new"),
    path("household/<int:pk>/", views.household_cases, name="household"),
    path("notices/", views_manage.notices, name="notices"),
    path("deliveries/", views_delivery.my_deliveries, name="deliveries"),
    path("requests/<int:pk>/", views_delivery.request_detail, name="request"),
    path("requests/<int:pk>/assign/", views_delivery.request_assign, name="request_assign"),
    path("requests/<int:pk>/deliver/", views_delivery.request_deliver, name="request_deliver"),
    path("requests/<int:pk>/cancel/", views_delivery.request_cancel, name="request_cancel"),
    path("r/<str:token>/", public.self_report, name="self_report"),
]
