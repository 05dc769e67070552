"""Who may see or touch which screening object: one function per object type. Out of scope is a 404."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from alleykeeper.registry.models import Resident
from alleykeeper.screening.models import Campaign, CampaignHousehold, KeyPerson, Question


def require_any(user, *capabilities: str) -> None:
    if not any(user.can(capability) for capability in capabilities):
        raise PermissionDenied


def campaign_for(user, pk: int) -> Campaign:
    return get_object_or_404(Campaign.objects.visible_to(user).select_related("community"), pk=pk)


def question_for(user, campaign: Campaign, pk: int) -> Question:
    return get_object_or_404(Question.objects.filter(campaign=campaign), pk=pk)


def campaign_household_for(user, campaign: Campaign, household_id: int) -> CampaignHousehold:
    """A household of the campaign in the user's grids (a worker never reaches another grid's households)."""
    queryset = CampaignHousehold.objects.visible_to(user).select_related(
        "household__building__alley", "household__unit", "grid", "last_attempt__worker"
    )
    return get_object_or_404(queryset, campaign=campaign, household_id=household_id)


def resident_of(user, state: CampaignHousehold, resident_id: int) -> Resident:
    """A resident of that very household (and in the user's scope), or 404."""
    queryset = Resident.objects.visible_to(user).filter(household_id=state.household_id)
    return get_object_or_404(queryset.select_related("household"), pk=resident_id)


def key_person_for(user, pk: int) -> KeyPerson:
    queryset = KeyPerson.objects.visible_to(user).select_related(
        "origin__parent__parent",
        "grid",
        "community",
        "household__building__alley",
        "household__unit",
        "resident",
        "attempt__campaign",
        "attempt__worker",
        "created_by",
    )
    return get_object_or_404(queryset, pk=pk)
