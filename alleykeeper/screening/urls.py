from django.urls import path

from alleykeeper.screening.views import campaigns, coverage, key_persons, work

app_name = "screening"
urlpatterns = [
    path("", campaigns.campaign_list, name="campaigns"),
    path("new/", campaigns.campaign_edit, name="campaign_new"),
    path("<int:pk>/edit/", campaigns.campaign_edit, name="campaign_edit"),
    path("<int:pk>/sync/", campaigns.campaign_sync, name="campaign_sync"),
    path("<int:pk>/questions/", campaigns.questions, name="questions"),
    path("<int:pk>/questions/<int:question_id>/toggle/", campaigns.question_toggle, name="question_toggle"),
    path("<int:pk>/work/", work.work_list, name="work"),
    path("<int:pk>/household/<int:household_id>/", work.attempt, name="attempt"),
    path("<int:pk>/household/<int:household_id>/call/<int:resident_id>/", work.call, name="call"),
    path("<int:pk>/coverage/", coverage.coverage_page, name="coverage"),
    path("<int:pk>/coverage/export/", coverage.coverage_export, name="coverage_export"),
    path("key-persons/", key_persons.key_person_list, name="key_persons"),
    path("key-persons/<int:pk>/", key_persons.key_person_detail, name="key_person"),
]
