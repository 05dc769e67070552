"""A birth date is shown as an age wherever the masked ID number is shown (GUIDE 4 masks an ID as its first 6 and
last 4 characters): the 8 characters the mask hides are the birth date, so a page, an export or an admin page
that showed both would show the whole number. The full date goes with the number, through an audited reveal."""

import io
from datetime import date

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from alleykeeper.core.identity import age_on
from alleykeeper.pushlist import actions as pushlist_actions
from alleykeeper.pushlist.models import PushedPerson
from alleykeeper.pushlist.tests.files import csv_bytes, row
from alleykeeper.registry.models import Resident
from testkit.second_factor import force_login_verified
from testkit.world import make_id

pytestmark = pytest.mark.django_db
MOMENT = "2026-03-10 02:00:00+00:00"  # 10:00 in Beijing: two days before the birthday below
ID_NUMBER = make_id(born="19850312", order="333")


def shows_the_birth_date(text: str) -> list[str]:
    forms = ["1985-03-12", "19850312", "1985年3月12日", "1985年03月12日", "1985/03/12", "1985-3-12", "1985.03.12"]
    return [form for form in forms if form in text]


def test_age_on():
    assert age_on(date(1985, 3, 12), date(2026, 3, 11)) == 40
    assert age_on(date(1985, 3, 12), date(2026, 3, 12)) == 41
    assert age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25  # a leap-day birthday, in a common year
    assert age_on(date(2000, 2, 29), date(2026, 3, 1)) == 26
    assert age_on(date(2026, 3, 10), date(2026, 3, 10)) == 0


@time_machine.travel(MOMENT, tick=False)
def test_pages_exports_and_admin_show_the_age_not_the_date(world, as_worker_a, as_admin):
    household = world.household_a
    new = reverse("registry:resident_new") + f"?household={household.pk}"
    data = {"name": "林美华", "doc_type": "id_card", "doc_number": ID_NUMBER, "relation": "spouse", "status": "living"}
    assert as_worker_a.post(new, data).status_code == 302
    resident = Resident.objects.get(name="林美华")
    assert resident.birth_date == date(1985, 3, 12), "the date is kept: the age is worked out from it each day"

    page = as_worker_a.get(reverse("registry:household", args=[household.pk])).content.decode()
    assert resident.doc_number_masked in page and "40 岁" in page and not shows_the_birth_date(page)
    edit = as_worker_a.get(reverse("registry:resident_edit", args=[resident.pk])).content.decode()
    assert resident.doc_number_masked in edit and not shows_the_birth_date(edit)
    # Saving the edit page (which has no birth date field now) keeps the date.
    as_worker_a.post(reverse("registry:resident_edit", args=[resident.pk]), {**data, "doc_number": "", "notes": "x"})
    resident.refresh_from_db()
    assert resident.notes == "x" and resident.birth_date == date(1985, 3, 12)

    for fmt in ("xlsx", "csv"):
        response = as_admin.post(reverse("registry:export"), {"purpose": "screening", "format": fmt})
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8-sig") if fmt == "csv" else _xlsx_text(body)
        assert resident.doc_number_masked in text and not shows_the_birth_date(text), fmt

    superuser = type(world.admin).objects.create_superuser("root", password="a-Long-passw0rd-for-tests")
    admin_site = Client()
    force_login_verified(admin_site, superuser)
    listing = admin_site.get(reverse("admin:registry_resident_changelist")).content.decode()
    assert resident.doc_number_masked in listing and not shows_the_birth_date(listing)
    change = admin_site.get(reverse("admin:registry_resident_change", args=[resident.pk])).content.decode()
    assert "年龄" in change and not shows_the_birth_date(change)


@time_machine.travel(MOMENT, tick=False)
def test_a_push_list_person_shows_the_age_not_the_date(world, as_admin):
    uploaded = pushlist_actions.upload_push_list(
        world.admin, world.community, [csv_bytes([row("林美华", ID_NUMBER)])], "名单.csv", received_on=date(2026, 3, 9)
    )
    pushlist_actions.confirm_mapping(uploaded.batch, uploaded.batch.mapping)
    pushlist_actions.import_batch(world.admin, uploaded.batch)
    person = PushedPerson.objects.get(name="林美华")
    assert person.birth_date == date(1985, 3, 12)
    page = as_admin.get(reverse("pushlist:person", args=[person.pk])).content.decode()
    assert person.doc_number_masked in page and "40 岁" in page and not shows_the_birth_date(page)


def _xlsx_text(body: bytes) -> str:
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_index(0).to_python()
    return "\n".join("\t".join(str(cell) for cell in line) for line in rows)
