"""No response of the API carries a full ID number or phone: every list and every record, for the admin
(who sees the most), masked server-side; only the audited reveal call returns a full value."""

from datetime import date

import pytest

from alleykeeper.api.tests.builders import IDENTITIES, build_records

pytestmark = pytest.mark.django_db


def test_no_response_carries_a_full_identity(world, api_personas):
    records = build_records(world)
    full = {value for pair in IDENTITIES.values() for value in pair}
    for resident in world.household_a.residents.all():
        full |= {resident.full_document_number(), resident.full_phone()}
        # The birth date would complete the masked number (its hidden 8 digits): the API gives the age.
        resident.birth_date = date(1985, 3, 12)
        resident.save(update_fields=["birth_date"])
        full |= {"1985-03-12", "19850312"}
    client = api_personas["admin"]
    masked_seen = 0
    for resource, pair in records.items():
        for path in (f"/api/v1/{resource}", f"/api/v1/{resource}/{pair.mine}"):
            response = client.get(path)
            assert response.status_code == 200, path
            text = response.content.decode()
            leaked = [value for value in full if value in text]
            assert not leaked, f"{path} shows a full value"
            masked_seen += text.count("****")
    resident = world.household_a.residents.first()
    assert client.get(f"/api/v1/residents/{resident.pk}").json()["age"] == resident.age > 0
    assert masked_seen >= 10  # the masked forms are there (IDs, phones of residents, key persons, visitors, cases)
