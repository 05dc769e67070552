"""The division picker: one field that takes a province, city or county, with or without JavaScript."""

import copy

import pytest
from django import forms
from django.core.management import call_command
from django.urls import reverse

from alleykeeper.places import divisions
from alleykeeper.places.forms import DivisionChoiceField
from alleykeeper.places.models import DivisionLevel
from alleykeeper.places.tests.test_divisions import FIXTURE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loaded(monkeypatch) -> None:
    monkeypatch.setattr(divisions, "package_tree", lambda: copy.deepcopy(FIXTURE))
    call_command("load_divisions", stdout=None)


class OriginForm(forms.Form):
    origin = DivisionChoiceField(label="从哪里来")


class CountyForm(forms.Form):
    origin = DivisionChoiceField(label="从哪里来", min_level=DivisionLevel.COUNTY)


def test_without_javascript_it_is_a_select_of_provinces():
    html = str(OriginForm()["origin"])
    assert 'name="origin_1"' in html and 'id="id_origin"' in html
    assert "湖北省" in html and "广东省" in html and "台湾省" in html
    assert "origin_2" not in html  # the next step appears only once a province is chosen
    assert "required" in html


def test_a_province_alone_is_a_valid_answer():
    form = OriginForm({"origin_1": "420000"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["origin"].name == "湖北省"


def test_the_most_specific_choice_wins():
    form = OriginForm({"origin_1": "420000", "origin_2": "420100", "origin_3": "420102"})
    assert form.is_valid()
    assert form.cleaned_data["origin"].code == "420102"
    html = str(form["origin"])  # re-rendered with the chain selected and each step's options
    assert 'value="420102" selected' in html and 'value="420100" selected' in html and "江汉区" in html


def test_a_city_left_from_another_province_is_ignored():
    # Without JavaScript the city select keeps an old choice when the province changes.
    form = OriginForm({"origin_1": "440000", "origin_2": "420100", "origin_3": "420102"})
    assert form.is_valid()
    assert form.cleaned_data["origin"].code == "440000"


@pytest.mark.parametrize(
    ("value", "message"),
    [("42010", "6 位数字"), ("42O102", "6 位数字"), ("429999", "找不到地区代码 429999"), ("", "请选择地区")],
)
def test_flat_code_bad_inputs_say_what_to_fix(value, message):
    form = OriginForm({"origin": value})
    assert not form.is_valid()
    assert message in form.errors["origin"][0]


def test_flat_code_as_an_api_would_send_it():
    form = OriginForm({"origin": " 420102 "})
    assert form.is_valid()
    assert form.cleaned_data["origin"].parent_id == "420100"


def test_min_level_asks_for_more_only_where_there_is_more():
    form = CountyForm({"origin_1": "420000", "origin_2": "420100"})
    assert not form.is_valid() and "区县" in form.errors["origin"][0]
    assert CountyForm({"origin_1": "440000", "origin_2": "441900"}).is_valid()  # 东莞 has no counties
    assert CountyForm({"origin_1": "420000", "origin_2": "429004"}).is_valid()


def test_children_endpoint_renders_the_next_step_for_anyone(client):
    url = reverse("places:children")
    response = client.get(url, {"field": "origin", "id": "id_origin", "depth": "3", "origin_1": "420000"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="origin_2"' in page and "武汉市" in page and "仙桃市" in page and "东莞市" not in page
    assert 'id="id_origin_picker"' in page  # the same container, swapped by htmx
    page = client.get(url, {"field": "origin", "origin_1": "420000", "origin_2": "420100"}).content.decode()
    assert 'name="origin_3"' in page and "江岸区" in page
    page = client.get(url, {"field": "origin", "origin_1": "110000"}).content.decode()
    assert "东城区" in page and "区县" in page  # a municipality's districts come straight after it


@pytest.mark.parametrize("params", [{"field": 'a"><script>'}, {"field": "origin", "depth": "9"}, {}])
def test_children_endpoint_rejects_odd_parameters(client, params):
    assert client.get(reverse("places:children"), params).status_code == 400
