import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from alleykeeper.core import crypto
from alleykeeper.registry.models import Resident

pytestmark = pytest.mark.django_db


def test_rotation_re_encrypts_with_the_new_key_and_reindex_follows_the_new_index_key(world, settings):
    resident = world.household_a.residents.get()
    number = resident.full_document_number()
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    settings.BLIND_INDEX_KEY = "a-new-index-key"
    call_command("rotate_keys", "--reindex")
    resident.refresh_from_db()
    # Sealed with the new key alone now: the old one can go.
    assert crypto.token_key_id(resident.doc_number_enc) == crypto.key_id(crypto.key_bytes(new_key))
    assert resident.doc_number_index == crypto.blind_index("doc", number)
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert resident.full_document_number() == number
    assert Resident.objects.get(pk=resident.pk).full_phone() == "13859901234"


def test_rotation_reaches_every_sealed_column_of_every_app(world, settings):
    """Not only residents: a landlord's phone and the phone copied into an observation case too (the case's
    copy was once left behind, unreadable once the old key was removed)."""
    from alleykeeper.observation.tests.conftest import open_case_for

    household = world.household_a
    household.landlord_phone_enc = crypto.encrypt("13912345678")
    household.save(update_fields=["landlord_phone_enc"])
    case = open_case_for(world, household, world.worker_a)
    assert case.phone_enc
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_keys")
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone: everything must still read
    household.refresh_from_db()
    case.refresh_from_db()
    assert crypto.decrypt(household.landlord_phone_enc) == "13912345678"
    assert crypto.decrypt(case.phone_enc) == "13859901234"
