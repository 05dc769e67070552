"""The supplies pages through HTTP: who may open them, the forms and their bad inputs, scope."""

from decimal import Decimal

import pytest
from django.test import Client

from alleykeeper.supplies.models import MoveKind, StockMove, SupplyItem
from alleykeeper.supplies.tests.conftest import make_item

pytestmark = pytest.mark.django_db


def test_the_stock_list_shows_days_left_and_low_stock(world, as_admin, bleach):
    make_item(world.community, name="一次性手套", stock="1", unit="副", low="5")
    page = as_admin.get("/supplies/").content.decode()
    assert "84消毒液" in page and "一次性手套" in page
    assert "库存低" in page and "1 种物资库存不高于提醒线" in page
    assert "—" in page  # nothing used in seven days


def test_the_cleaner_reads_the_stock_but_cannot_move_it(world, as_cleaner, bleach):
    assert as_cleaner.get("/supplies/").status_code == 200
    assert as_cleaner.get(f"/supplies/items/{bleach.pk}/").status_code == 200
    for url in ("in", "out", "correct", "edit"):
        assert as_cleaner.get(f"/supplies/items/{bleach.pk}/{url}/").status_code == 403
    assert as_cleaner.get("/supplies/items/new/").status_code == 403


def test_grid_workers_volunteers_and_duty_staff_are_refused(world, personas, bleach):
    for name in ("worker_a", "volunteer", "duty"):
        assert personas[name].get("/supplies/").status_code == 403
        assert personas[name].get(f"/supplies/items/{bleach.pk}/").status_code == 403


def test_another_communitys_item_is_not_found(world, as_admin):
    other = make_item(world.other_community)
    assert as_admin.get(f"/supplies/items/{other.pk}/").status_code == 404
    assert as_admin.post(f"/supplies/items/{other.pk}/out/", {"kind": "to_gate", "quantity": "1"}).status_code == 404
    assert SupplyItem.objects.get(pk=other.pk).on_hand == Decimal("10")


def test_new_item_receive_draw_and_correct(world, as_admin, cleaner):
    response = as_admin.post(
        "/supplies/items/new/",
        {"community": world.community.pk, "name": " 75%酒精 ", "kind": "alcohol", "unit": "瓶", "low_threshold": "3"},
    )
    item = SupplyItem.objects.get(name="75%酒精")
    assert response.status_code == 302
    as_admin.post(f"/supplies/items/{item.pk}/in/", {"kind": "purchase", "quantity": "20", "source": "医药公司"})
    as_admin.post(f"/supplies/items/{item.pk}/out/", {"kind": "to_cleaner", "quantity": "4", "recipient": cleaner.pk})
    as_admin.post(f"/supplies/items/{item.pk}/correct/", {"counted": "15", "reason": "破损 1 瓶"})
    item.refresh_from_db()
    assert item.on_hand == Decimal("15")
    kinds = list(StockMove.objects.filter(item=item).order_by("id").values_list("kind", flat=True))
    assert kinds == [MoveKind.PURCHASE, MoveKind.TO_CLEANER, MoveKind.CORRECTION]
    page = as_admin.get(f"/supplies/items/{item.pk}/").content.decode()
    assert "破损 1 瓶" in page and "cleaner" in page


BAD_DRAWS = {
    "negative amount": ({"kind": "to_gate", "quantity": "-2"}, "数量应大于 0"),
    "zero": ({"kind": "to_gate", "quantity": "0"}, "数量应大于 0"),
    "not a number": ({"kind": "to_gate", "quantity": "五"}, "数量请填数字"),
    "over the stock": (
        {"kind": "to_cleaner", "quantity": "50", "recipient": "CLEANER"},
        "库存只剩 10 瓶，本次要领 50 瓶",
    ),
    "no gate": ({"kind": "to_gate", "quantity": "1"}, "请选择发放到哪个卡口"),
    "volunteer as cleaner": ({"kind": "to_cleaner", "quantity": "1", "recipient": "VOLUNTEER"}, "不是保洁/消杀员"),
    "unknown kind": ({"kind": "disinfection", "quantity": "1"}, "请从列表中选择发放去向"),
}


@pytest.mark.parametrize("case", BAD_DRAWS, ids=list(BAD_DRAWS))
def test_bad_draws_are_refused_with_what_to_fix(world, as_admin, cleaner, bleach, case):
    data, message = BAD_DRAWS[case]
    people = {"CLEANER": cleaner.pk, "VOLUNTEER": world.volunteer.pk}
    data = {k: people.get(v, v) for k, v in data.items()}
    response = as_admin.post(f"/supplies/items/{bleach.pk}/out/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    bleach.refresh_from_db()
    assert bleach.on_hand == Decimal("10")


def test_a_correction_without_reason_is_refused(world, as_admin, bleach):
    response = as_admin.post(f"/supplies/items/{bleach.pk}/correct/", {"counted": "3", "reason": "   "})
    assert "请填写更正原因" in response.content.decode()
    bleach.refresh_from_db()
    assert bleach.on_hand == Decimal("10")


def test_a_duplicate_item_name_is_refused(world, as_admin, bleach):
    response = as_admin.post(
        "/supplies/items/new/",
        {
            "community": world.community.pk,
            "name": "84消毒液",
            "kind": "disinfectant",
            "unit": "瓶",
            "low_threshold": "1",
        },
    )
    assert "本社区已有同名物资" in response.content.decode()


def test_anonymous_goes_to_the_login_page(world):
    assert Client().get("/supplies/").status_code == 302


def test_whole_units_take_whole_numbers_and_other_units_decimals(world, as_admin, cleaner, bleach):
    """A mask (个), a suit (套), a pair of gloves (副) are never split: 2.5 of them is refused on every form that
    moves stock and on the item's reminder line; a bottle of disinfectant (瓶) is used a part at a time."""
    masks = make_item(world.community, name="一次性医用口罩", stock="100", unit="个", low="10")
    moves = {
        "in": {"kind": "purchase", "quantity": "2.5"},
        "out": {"kind": "to_cleaner", "quantity": "0.5", "recipient": cleaner.pk},
        "correct": {"counted": "99.5", "reason": "盘点"},
    }
    for path, data in moves.items():
        response = as_admin.post(f"/supplies/items/{masks.pk}/{path}/", data)
        page = response.content.decode()
        assert response.status_code == 200 and "一次性医用口罩按“个”计，数量要填整数" in page, path
    masks.refresh_from_db()
    assert masks.on_hand == Decimal("100") and StockMove.objects.filter(item=masks).count() == 1
    edit = {"name": "一次性医用口罩", "kind": "mask", "unit": "个", "low_threshold": "10.5"}
    page = as_admin.post(f"/supplies/items/{masks.pk}/edit/", edit).content.decode()
    assert "按“个”计的物资，提醒线要填整数" in page
    # Bottles: half a bottle drawn is kept; an item whose stock is 9.5 cannot become one counted in 个.
    as_admin.post(
        f"/supplies/items/{bleach.pk}/out/", {"kind": "to_cleaner", "quantity": "0.5", "recipient": cleaner.pk}
    )
    bleach.refresh_from_db()
    assert bleach.on_hand == Decimal("9.5")
    edit = {"name": "84消毒液", "kind": "disinfectant", "unit": "个", "low_threshold": "2"}
    page = as_admin.post(f"/supplies/items/{bleach.pk}/edit/", edit).content.decode()
    assert "现有库存 9.5 不是整数，不能改为按“个”计" in page
    bleach.refresh_from_db()
    assert bleach.unit == "瓶"
    # Stock with a fraction from before the rule: the item is still saved when its unit does not change.
    SupplyItem.objects.filter(pk=masks.pk).update(on_hand=Decimal("99.5"), low_threshold=Decimal("10.5"))
    edit = {"name": "医用口罩", "kind": "mask", "unit": "个", "low_threshold": "10.5"}
    assert as_admin.post(f"/supplies/items/{masks.pk}/edit/", edit).status_code == 302
    masks.refresh_from_db()
    assert masks.name == "医用口罩"
