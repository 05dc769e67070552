from django.urls import path

from alleykeeper.alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.inbox_read, name="read"),
    path("mutes/", views.mutes, name="mutes"),
    path("mutes/<str:kind>/off/", views.unmute, name="unmute"),
    path("channels/", views.channels, name="channels"),
    path("channels/<str:kind>/", views.channel_edit, name="channel"),
    path("channels/<str:kind>/test/", views.channel_test, name="channel_test"),
    path("rules/", views.rules, name="rules"),
    path("rules/<str:kind>/", views.rule_edit, name="rule"),
    path("log/", views.log, name="log"),
    path("messages/<int:pk>/resend/", views.resend, name="resend"),
    path("case/<int:pk>/", views.case_messages, name="case"),
    path("sms/inbound/<str:token>/", views.sms_inbound, name="sms_inbound"),
]
