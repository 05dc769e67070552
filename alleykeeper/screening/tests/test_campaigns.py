"""Setting up campaigns: scope, default questionnaire, custom questions and how their answers are checked."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from alleykeeper.audit.models import AuditEvent
from alleykeeper.registry.models import Grid
from alleykeeper.screening.models import Answer, Campaign, CampaignHousehold, KeyPerson, Question
from alleykeeper.screening.tests.conftest import answers_for, attempt_url

pytestmark = pytest.mark.django_db


def _campaign_data(world, **overrides) -> dict:
    today = timezone.localdate()
    data = {
        "name": "第二轮排查",
        "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=7)).isoformat(),
        "grids": [world.grid_a.pk, world.grid_b.pk],
        "household_filter": "all",
        "notes": "",
    }
    return {**data, **overrides}


def test_admin_creates_a_campaign_with_the_default_questionnaire(world, as_admin):
    response = as_admin.post(reverse("screening:campaign_new"), _campaign_data(world))
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("screening:questions", args=[campaign.pk])
    texts = list(campaign.questions.values_list("text", flat=True))
    assert texts[:3] == [
        "近期是否有从重点地区来鲤人员？",
        "家人或朋友是否有重点地区出行史？",
        "是否与重点地区人员接触过？",
    ]
    assert list(campaign.questions.values_list("role", flat=True)[3:]) == ["arrival_date", "origin", "transport"]
    assert campaign.community == world.community
    assert CampaignHousehold.objects.filter(campaign=campaign).count() == 2
    assert AuditEvent.objects.filter(action="campaign.create", object_id=campaign.pk).exists()
    assert AuditEvent.objects.filter(action="campaign.sync_scope", row_count=2).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "请填写活动名称"),
        ({"grids": []}, "请至少选择一个网格"),
        ({"start_date": "2020-02-30"}, "开始日期格式不对"),
        ({"end_date": "2000-01-01"}, "结束日期早于开始日期"),
    ],
)
def test_bad_campaign_input(world, as_admin, overrides, message):
    response = as_admin.post(reverse("screening:campaign_new"), _campaign_data(world, **overrides))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Campaign.objects.exists()


def test_grids_out_of_scope_or_of_two_communities_are_refused(world, as_admin):
    response = as_admin.post(reverse("screening:campaign_new"), _campaign_data(world, grids=[world.grid_other.pk]))
    assert response.status_code == 200 and not Campaign.objects.exists()
    nearby = Grid.objects.create(community=world.other_community, name="外社区网格")
    world.admin.communities.add(world.other_community)
    response = as_admin.post(
        reverse("screening:campaign_new"), _campaign_data(world, grids=[world.grid_a.pk, nearby.pk])
    )
    assert "同一个社区" in response.content.decode() and not Campaign.objects.exists()


def test_only_campaign_managers_set_up_campaigns(world, campaign, as_worker_a, as_officer):
    assert as_worker_a.get(reverse("screening:campaign_new")).status_code == 403
    assert as_worker_a.post(reverse("screening:campaign_new"), _campaign_data(world)).status_code == 403
    assert as_worker_a.get(reverse("screening:questions", args=[campaign.pk])).status_code == 403
    assert as_worker_a.post(reverse("screening:campaign_sync", args=[campaign.pk])).status_code == 403
    assert as_officer.get(reverse("screening:campaigns")).status_code == 403


def test_campaign_list_shows_the_workers_progress(world, campaign, as_worker_a, as_admin):
    as_worker_a.post(attempt_url(campaign, world.household_a), {"channel": "door", "outcome": "vacant"})
    page = as_worker_a.get(reverse("screening:campaigns")).content.decode()
    assert campaign.name in page and "已完成 <strong>1</strong> / 1 户" in page
    # The community admin sees the whole campaign (both grids).
    assert "已完成 <strong>1</strong> / 2 户" in as_admin.get(reverse("screening:campaigns")).content.decode()


def test_editing_the_filter_resyncs_scope(world, campaign, as_admin):
    data = _campaign_data(world, name=campaign.name, household_filter="rental")
    response = as_admin.post(reverse("screening:campaign_edit", args=[campaign.pk]), data)
    assert response.status_code == 302
    assert list(CampaignHousehold.objects.filter(campaign=campaign).values_list("household", flat=True)) == [
        world.household_b.pk
    ]


def _add_question(client, campaign, **data):
    return client.post(reverse("screening:questions", args=[campaign.pk]), {"required": "", **data})


def test_custom_questions_are_asked_and_checked(world, campaign, as_admin, as_worker_a):
    response = _add_question(
        as_admin, campaign, text="体温", kind="number", min_value="35", max_value="42", required="on"
    )
    assert response.status_code == 302
    response = _add_question(
        as_admin,
        campaign,
        text="近14天去过哪里？",
        kind="choice",
        options_text="本市\n省内其他城市\n湖北",
        key_options_text="湖北",
    )
    assert response.status_code == 302
    assert _add_question(as_admin, campaign, text="是否接种疫苗", kind="yes_no").status_code == 302
    temperature, where, vaccinated = Question.objects.filter(campaign=campaign, role="").order_by("order")
    assert where.options == ["本市", "省内其他城市", "湖北"] and where.key_answers == ["湖北"]
    assert vaccinated.key_answers == [] and temperature.required
    # The worker's form shows them.
    page = as_worker_a.get(attempt_url(campaign, world.household_a)).content.decode()
    assert "体温" in page and "省内其他城市" in page
    resident = world.household_a.residents.get()
    base = {"channel": "phone", "outcome": "reached", **answers_for(campaign, resident)}
    url = attempt_url(campaign, world.household_a)
    for bad, message in [("43.5", "应在 35 到 42 之间"), ("三十七", "请填写数字"), ("NaN", "请填写数字")]:
        response = as_worker_a.post(url, {**base, f"p{resident.pk}-q{temperature.pk}": bad})
        assert response.status_code == 400 and message in response.content.decode(), bad
    response = as_worker_a.post(url, base)
    assert response.status_code == 400 and "请回答“体温”" in response.content.decode()
    response = as_worker_a.post(
        url, {**base, f"p{resident.pk}-q{temperature.pk}": "36.8", f"p{resident.pk}-q{where.pk}": "火星"}
    )
    assert response.status_code == 400 and "请从给出的选项中选择" in response.content.decode()
    assert not Answer.objects.exists()
    data = {**base, f"p{resident.pk}-q{temperature.pk}": "３６.８", f"p{resident.pk}-q{where.pk}": "湖北"}
    assert as_worker_a.post(url, data).status_code == 302
    assert Answer.objects.get(question=temperature).value == "36.8"
    assert Answer.objects.get(question=where).points_to_key_area
    assert KeyPerson.objects.get().resident == resident


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "", "kind": "text"}, "请填写问题"),
        ({"text": "去过哪", "kind": "choice", "options_text": "只有一个"}, "至少要有两个不同的选项"),
        ({"text": "去过哪", "kind": "choice", "options_text": "甲\n乙", "key_options_text": "丙"}, "不在上面的选项中"),
        ({"text": "体温", "kind": "number", "min_value": "42", "max_value": "35"}, "最大值小于最小值"),
        ({"text": "备注", "kind": "text", "min_value": "1"}, "只用于数字题"),
        ({"text": "哪里", "kind": "division"}, "选择一个有效的选项"),
    ],
)
def test_bad_question_input(world, campaign, as_admin, data, message):
    before = campaign.questions.count()
    response = _add_question(as_admin, campaign, **data)
    assert response.status_code == 200 and message in response.content.decode()
    assert campaign.questions.count() == before


def test_switched_off_questions_are_no_longer_asked(world, campaign, as_admin, as_worker_a):
    transport = campaign.questions.get(role="transport")
    url = reverse("screening:question_toggle", args=[campaign.pk, transport.pk])
    assert as_admin.post(url).status_code == 302
    transport.refresh_from_db()
    assert not transport.active
    assert "车次或航班号" not in as_worker_a.get(attempt_url(campaign, world.household_a)).content.decode()
    assert as_admin.get(url).status_code == 405
