"""Screening test fixtures: a few divisions and a key area, a campaign over the world's grids."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from alleykeeper.places.models import Division, DivisionLevel, KeyArea
from alleykeeper.screening import actions
from alleykeeper.screening.models import Campaign, CampaignHousehold, HouseholdFilter, QuestionRole


@dataclass
class Places:
    hubei: Division
    wuhan: Division
    jianghan: Division
    fujian: Division
    quanzhou: Division
    licheng: Division
    key_area: KeyArea


def make_divisions() -> Places:
    def add(code: str, name: str, level: int, parent: Division | None = None) -> Division:
        return Division.objects.create(code=code, name=name, level=level, parent=parent)

    hubei = add("420000", "湖北省", DivisionLevel.PROVINCE)
    wuhan = add("420100", "武汉市", DivisionLevel.CITY, hubei)
    jianghan = add("420103", "江汉区", DivisionLevel.COUNTY, wuhan)
    fujian = add("350000", "福建省", DivisionLevel.PROVINCE)
    quanzhou = add("350500", "泉州市", DivisionLevel.CITY, fujian)
    licheng = add("350502", "鲤城区", DivisionLevel.COUNTY, quanzhou)
    # Wuhan has been a key area since 40 days ago (still in force).
    key_area = KeyArea.objects.create(division=wuhan, start=timezone.localdate() - timedelta(days=40))
    return Places(hubei, wuhan, jianghan, fujian, quanzhou, licheng, key_area)


@pytest.fixture
def places(db) -> Places:
    return make_divisions()


def start_campaign(admin, grids, household_filter: str = HouseholdFilter.ALL, name: str = "二月排查") -> Campaign:
    today = timezone.localdate()
    return actions.create_campaign(
        admin,
        {
            "name": name,
            "start_date": today - timedelta(days=1),
            "end_date": today + timedelta(days=10),
            "grids": grids,
            "household_filter": household_filter,
            "notes": "",
        },
    )


@pytest.fixture
def campaign(world, places) -> Campaign:
    return start_campaign(world.admin, [world.grid_a, world.grid_b])


def question_id(campaign: Campaign, role: str) -> int:
    return campaign.questions.get(role=role).pk


def state_of(campaign: Campaign, household) -> CampaignHousehold:
    return CampaignHousehold.objects.get(campaign=campaign, household=household)


def attempt_url(campaign: Campaign, household) -> str:
    return reverse("screening:attempt", args=[campaign.pk, household.pk])


def answers_for(campaign: Campaign, resident, *, arrived="no", travel="no", contact="no", **extra) -> dict:
    """The POST fields answering the three questions (and any extra `q<id>` or role fields) for one resident."""
    key = f"p{resident.pk}"
    data = {
        f"{key}-q{question_id(campaign, QuestionRole.ARRIVED)}": arrived,
        f"{key}-q{question_id(campaign, QuestionRole.TRAVEL)}": travel,
        f"{key}-q{question_id(campaign, QuestionRole.CONTACT)}": contact,
    }
    origin = question_id(campaign, QuestionRole.ORIGIN)
    for name, value in extra.items():
        if name == "origin":
            for level, code in enumerate(value, start=1):
                data[f"{key}-q{origin}_{level}"] = code
        elif name in ("arrival_date", "transport"):
            data[f"{key}-q{question_id(campaign, name)}"] = value
        else:
            data[f"{key}-{name}"] = value
    return data
