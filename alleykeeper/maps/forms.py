import json

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from alleykeeper.core.identity import person_name
from alleykeeper.maps.geometry import GeometryError, Shape, check_geometry, read_json
from alleykeeper.registry.models import Community, LeadKind


class GeometryForm(forms.Form):
    """One place's geometry as GeoJSON text: what Leaflet.draw writes on the edit page, or typed by hand
    (a FeatureCollection's feature pasted as it is works too). Empty removes the place from the map."""

    geometry = forms.CharField(
        label="位置（GeoJSON，经度在前、纬度在后）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off", "class": "mono"}),
        help_text='如 {"type": "Point", "coordinates": [118.5823, 24.9141]}；在地图上画好后这里会自动填写。留空表示从地图上移除。',
    )

    def __init__(self, *args, shape: Shape, geometry: dict | None = None, **kwargs) -> None:
        kwargs.setdefault("initial", {"geometry": json.dumps(geometry, ensure_ascii=False) if geometry else ""})
        super().__init__(*args, **kwargs)
        self.shape = shape

    def clean_geometry(self) -> dict | None:
        text = self.cleaned_data["geometry"].strip()
        if not text:
            return None
        try:
            return check_geometry(read_json(text), self.shape)
        except GeometryError as error:
            raise forms.ValidationError(str(error)) from None


class AlleyLeadForm(forms.Form):
    """Who leads the alley (巷长): a name and what they are. No phone: reach them through the community."""

    lead_name = forms.CharField(label="巷长姓名", max_length=50, required=False, help_text="留空表示暂无巷长。")
    lead_kind = forms.ChoiceField(
        label="身份", choices=LeadKind.choices, required=False, widget=forms.RadioSelect(attrs={"class": "chips"})
    )

    def clean_lead_name(self) -> str:
        name = self.cleaned_data["lead_name"].strip()
        return person_name(name) if name else ""

    def clean(self) -> dict:
        data = super().clean()
        if data.get("lead_name") and not data.get("lead_kind"):
            self.add_error("lead_kind", "请选择巷长的身份：干部、党员或志愿者。")
        if not data.get("lead_name"):
            data["lead_kind"] = ""
        return data


class ImportForm(forms.Form):
    community = forms.ModelChoiceField(label="社区", queryset=Community.objects.none(), empty_label=None)
    file = forms.FileField(
        label="GeoJSON 文件",
        help_text="要素集合（FeatureCollection），坐标为 WGS84 经纬度；每个要素的 properties 写明 kind 和 name（或 id）。",
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json,application/json"}),
        error_messages={
            "required": "请选择要导入的 GeoJSON 文件。",
            "empty": "文件是空的：请选择导出的 GeoJSON 文件（.geojson 或 .json）。",
            "missing": "请选择要导入的 GeoJSON 文件。",
        },
    )

    def __init__(self, *args, communities, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        field.queryset = communities
        field.error_messages["invalid_choice"] = "所选社区不在您管理的范围内，请重新选择。"
        self.only = communities[0] if len(communities) == 1 else None
        if self.only is not None:
            field.initial, field.required, field.widget = self.only.pk, False, forms.HiddenInput()

    def clean_community(self) -> Community:
        return self.cleaned_data.get("community") or self.only

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAP_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"文件太大（{filesizeformat(upload.size)}），最多 {filesizeformat(settings.MAP_IMPORT_MAX_BYTES)}："
                "请只导出本社区的要素，或简化形状后再导入。"
            )
        return upload
