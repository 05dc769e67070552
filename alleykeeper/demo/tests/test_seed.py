"""`manage.py seed`: a synthetic register whose IDs pass the checksum, sealed like real data, reproducible."""

import pytest
from django.core.management import CommandError, call_command

from alleykeeper.audit.models import AuditEvent
from alleykeeper.core.crypto import blind_index
from alleykeeper.core.identity import DocumentType, check_document, check_id_card, check_phone
from alleykeeper.demo.synthetic import COMMUNITY_NAME, Planner
from alleykeeper.registry.models import Community, Household, HouseholdKind, Resident

pytestmark = pytest.mark.django_db


def test_seed_50_households(world, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed", households=50, verbosity=0)
    call_command("seed", households=50, seed=5, force=True, verbosity=0)
    community = Community.objects.get(name=COMMUNITY_NAME, street__name="合成数据街道")
    households = Household.objects.filter(community=community)
    residents = Resident.objects.filter(household__community=community)
    assert households.count() == 50
    assert 80 <= residents.count() <= 200  # about 2.7 a household
    assert households.filter(kind=HouseholdKind.RENTAL).exists()
    assert community.grids.get().name == "合成第1网格"
    for resident in residents:
        number = resident.full_document_number()
        checked = check_id_card(number)
        assert checked.ok and checked.value == number, number
        assert check_document(resident.doc_type, number).ok
        assert resident.doc_type in (DocumentType.ID_CARD, DocumentType.HMT_RESIDENCE)
        assert (resident.birth_date, resident.sex) == (checked.birth_date, checked.sex)
        assert number not in resident.doc_number_enc and resident.doc_number_masked.count("*") == 8
        assert resident.doc_number_index == blind_index("doc", number)
        assert resident.name_pinyin and resident.name_initials
        if resident.phone_enc:
            assert check_phone(resident.full_phone()).ok and "****" in resident.phone_masked
    for rental in households.filter(kind=HouseholdKind.RENTAL):
        assert rental.landlord_name and "****" in rental.landlord_phone_masked
        assert rental.tenancy_start < rental.tenancy_end
    event = AuditEvent.objects.get(action="register.seed")
    assert event.row_count == residents.count() and event.detail["households"] == 50
    with pytest.raises(CommandError, match="已存在"):
        call_command("seed", households=5, force=True, verbosity=0)
    call_command("seed", households=5, seed=5, community="合成数据社区二", force=True, verbosity=0)
    assert Resident.objects.filter(household__community__name="合成数据社区二").exists()


def _plan(seed: int) -> list:
    planner = Planner(seed, names=300)
    return [planner.household(n) for n in range(40)]


def test_same_seed_same_people_other_seed_other_people():
    assert _plan(7) == _plan(7)
    assert _plan(7) != _plan(8)


def test_existing_id_numbers_are_never_reused():
    first = next(p.doc_number for h in _plan(7) for p in h.people)
    planner = Planner(7, {blind_index("doc", first)}, names=300)
    numbers = [p.doc_number for n in range(40) for p in planner.household(n).people]
    assert first not in numbers and len(numbers) == len(set(numbers))
