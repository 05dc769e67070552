"""core overrides Django's select.html (its options written inline, not one included template each): the
markup must stay Django's (but for the blank line Django's included file left after each option), for every
kind of select."""

import re

from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer


class Choices(forms.Form):
    one = forms.ChoiceField(choices=[("", "请选择"), ("1", "第一网格"), ("2", '<第二> & "网格"')], initial="2")
    many = forms.MultipleChoiceField(choices=[("a", "甲"), ("b", "乙"), ("c", "丙")], initial=["a", "c"])
    grouped = forms.ChoiceField(
        choices=[("开元社区", [("1", "第一网格"), ("2", "第二网格")]), ("新华社区", [("3", "第一网格")]), ("4", "无")],
        initial="3",
        widget=forms.Select(attrs={"class": "wide", "aria-describedby": "help"}),
    )
    none = forms.ChoiceField(choices=[], required=False)


def test_our_select_renders_as_djangos():
    assert not isinstance(get_default_renderer(), DjangoTemplates), "the project's templates render widgets"
    for data in (None, {"one": "1", "many": ["b"], "grouped": "4"}):
        ours, djangos = Choices(data), Choices(data, renderer=DjangoTemplates())
        for name in ("one", "many", "grouped", "none"):
            assert ours[name].as_widget() == re.sub(r"\n\n+", "\n", djangos[name].as_widget()), name
    html = Choices()["one"].as_widget()
    assert 'required id="id_one">' in html and '<option value="2" selected>' in html
    assert "&lt;第二&gt; &amp; &quot;网格&quot;" in html
    assert (
        '<optgroup label="新华社区">\n  <option value="3" selected>第一网格</option>'
        in Choices()["grouped"].as_widget()
    )
    assert '<option value="a" selected>甲</option>' in Choices()["many"].as_widget()
