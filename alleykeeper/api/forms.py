"""The token page's form, and how a JSON body becomes the data of the pages' own Django forms."""

from django import forms
from django.http import QueryDict

from alleykeeper.api.models import TokenScope
from alleykeeper.audit.models import Purpose


class TokenForm(forms.Form):
    name = forms.CharField(
        label="名称",
        max_length=60,
        strip=True,
        help_text="用在哪个系统，例如：区健康平台同步。",
        error_messages={"required": "请填写令牌的名称，如：区健康平台同步。"},
    )
    scope = forms.ChoiceField(
        label="权限",
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择只读或读写。"},
    )
    purpose = forms.ChoiceField(
        label="用途",
        choices=[("", "请选择"), *Purpose.choices],
        help_text="对方系统读取居民数据做什么用：每次列表读取都按这个用途记入审计。",
        error_messages={"required": "请选择这个令牌读取数据的用途。"},
    )


def form_data(body: dict) -> QueryDict:
    """A JSON object as a form post: true/false → "1"/"0", lists → repeated values, null → absent. The same
    Django form then validates the page's post and the API's body (GUIDE.md section 5)."""
    data = QueryDict(mutable=True)
    for key, value in body.items():
        if value is None:
            continue
        if isinstance(value, bool):
            data[key] = "1" if value else "0"
        elif isinstance(value, list):
            data.setlist(key, [str(item) for item in value])
        else:
            data[key] = str(value)
    return data
