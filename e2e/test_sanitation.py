"""A cleaner on a phone completes the stairwell task that a home-observation case made, with a photo, and the
stock of 84 disinfectant goes down by the amount used."""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import Page, expect

from alleykeeper.accounts.roles import Role
from alleykeeper.observation.tests.conftest import open_case_for
from alleykeeper.sanitation.models import DisinfectionTask, TaskSource
from alleykeeper.supplies.models import MoveKind, SupplyItem
from alleykeeper.supplies.tests.conftest import make_item
from e2e.helpers import E2E_PASSWORD, assets_loaded, no_horizontal_scroll
from testkit.world import make_user

pytestmark = pytest.mark.e2e


def test_cleaner_completes_the_observation_stairwell_and_stock_goes_down(
    phone_page: Page, live_world, login, settings, tmp_path
):
    page, world = phone_page, live_world
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "uploads"
    cleaner = make_user("suay", Role.CLEANER, communities=[world.community], password=E2E_PASSWORD)
    bleach = make_item(world.community, stock="10")
    open_case_for(world, world.household_a, world.worker_a)  # opened two days ago: its building is observed
    call_command("generate_disinfection_tasks", "--catch-up", "0")
    task = DisinfectionTask.objects.get(source=TaskSource.OBSERVATION)

    login(page, cleaner)
    expect(page.locator("main")).to_contain_text("今日消杀")
    page.get_by_role("link", name="消杀", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("今日消杀")
    assert assets_loaded(page) and no_horizontal_scroll(page)
    page.get_by_role("link", name=re.compile("3号楼楼道")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("3号楼楼道")
    expect(page.get_by_label("用量从哪种物资扣除")).to_have_value(str(bleach.pk))

    photo = tmp_path / "stairs.png"
    image = io.BytesIO()
    Image.new("RGB", (60, 40), (20, 120, 60)).save(image, format="PNG")
    photo.write_bytes(image.getvalue())
    page.get_by_label("用量", exact=True).fill("1.5")
    page.get_by_label("照片（可选）").set_input_files(str(photo))
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="已完成").click()
    expect(page.locator(".messages")).to_contain_text("已登记完成")
    expect(page.locator("main")).to_contain_text("已完成")

    task.refresh_from_db()
    assert task.done_by == cleaner and task.photo_kind == "png"
    assert SupplyItem.objects.get(pk=bleach.pk).on_hand == Decimal("8.5")
    assert task.stock_move.kind == MoveKind.DISINFECTION and task.stock_move.quantity == Decimal("-1.5")

    page.get_by_role("link", name="物资", exact=True).first.click()
    expect(page.locator("main")).to_contain_text("8.5 瓶")
    assert no_horizontal_scroll(page)
