"""The Django admin is scoped like the pages: out of scope is a 404, never a redirect or a page."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from alleykeeper.accounts.roles import Role
from testkit.world import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_staff(world) -> Client:
    """A community admin of 新华社区 with the admin site open to them (staff, view permissions)."""
    user = make_user("xinhua_admin", Role.ADMIN, communities=[world.other_community])
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    codenames = ["view_household", "view_resident", "view_grid"]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="registry", codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def _change(model: str, pk: int) -> str:
    return reverse(f"admin:registry_{model}_change", args=[pk])


def test_out_of_scope_household_and_resident_are_404(world, other_staff):
    resident_a = world.household_a.residents.get()
    for url in (_change("household", world.household_a.pk), _change("resident", resident_a.pk)):
        response = other_staff.get(url)
        assert response.status_code == 404, url
        assert resident_a.name not in response.content.decode()
    assert other_staff.get(_change("grid", world.grid_a.pk)).status_code == 404


def test_in_scope_objects_open_read_only_and_masked(world, other_staff):
    resident = world.household_other.residents.get()
    response = other_staff.get(_change("resident", resident.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert resident.name in page
    assert resident.full_document_number() not in page and resident.full_phone() not in page
    assert 'name="_save"' not in page, "the admin reads the register; writes go through registry.actions"
    assert other_staff.get(_change("household", world.household_other.pk)).status_code == 200


def test_admin_lists_show_only_scope(world, other_staff):
    page = other_staff.get(reverse("admin:registry_resident_changelist")).content.decode()
    assert "陈育玲" in page  # the one resident of 新华社区 in the test world
    assert "王翠琳" not in page and "吴晶晶" not in page


def test_nonexistent_object_is_404_too(world, other_staff):
    assert other_staff.get(_change("household", 999_999)).status_code == 404
