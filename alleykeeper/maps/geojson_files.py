"""GeoJSON files in and out: reading an uploaded FeatureCollection (hostile input: size, JSON, types, names,
coordinates, all checked before anything is written) and the community's places as a file that the import
takes back (so that it can be edited in a desktop GIS such as QGIS and imported again).

A feature names its place by properties: `kind` (enclosure, gate, grid, alley, building) and `id`, or `kind`
and `name`, with the parent's name where names repeat (a gate's `enclosure`, an alley's `grid`, a building's
`alley` and `grid`). Only places of the chosen community in the importer's scope are found; anything else is
"not found", as a page would answer 404.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.template.defaultfilters import filesizeformat

from alleykeeper.maps.geometry import GeometryError, check_geometry, read_json
from alleykeeper.maps.kinds import KINDS, Kind, kinds_editable_by
from alleykeeper.registry.models import Community

SHOWN_PROBLEMS = 50
KIND_NAMES = "、".join(f"{key}（{kind.label}）" for key, kind in KINDS.items())


class ImportRefused(ValueError):
    """A file that is not imported; `problems` say what to fix (the first SHOWN_PROBLEMS of `total`)."""

    def __init__(self, problems: list[str], total: int | None = None) -> None:
        super().__init__(problems[0] if problems else "")
        self.problems = problems[:SHOWN_PROBLEMS]
        self.total = total if total is not None else len(problems)


def _text(value: object, limit: int = 30) -> str:
    text = str(value).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parent_name(place: models.Model, path: str) -> str:
    value: object = place
    for step in path.split("__"):
        value = getattr(value, step)
    return str(value)


@dataclass
class _Index:
    """The places of one kind in the community and the importer's scope, read once."""

    by_id: dict[int, models.Model] = field(default_factory=dict)
    by_name: dict[str, list[models.Model]] = field(default_factory=dict)


class _Places:
    def __init__(self, user, community: Community) -> None:
        self.user, self.community, self.indexes = user, community, {}

    def index(self, kind: Kind) -> _Index:
        if kind.key not in self.indexes:
            index = _Index()
            for place in kind.in_community(self.user, self.community.pk):
                index.by_id[place.pk] = place
                index.by_name.setdefault(place.name, []).append(place)
            self.indexes[kind.key] = index
        return self.indexes[kind.key]

    def find(self, feature: object) -> tuple[Kind, models.Model]:
        """The kind and the place a feature names, or GeometryError saying why none."""
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise GeometryError('不是 GeoJSON 要素（应是 {"type": "Feature", ...}）。')
        props = feature.get("properties")
        if not isinstance(props, dict) or props.get("kind") in (None, ""):
            raise GeometryError(f"要素没有写明它是什么：请在 properties 里写明 kind（{KIND_NAMES}）和 name 或 id。")
        kind = KINDS.get(props.get("kind")) if isinstance(props.get("kind"), str) else None
        if kind is None:
            raise GeometryError(f"不认识的对象类型 kind={_text(props.get('kind'))}：应是 {KIND_NAMES} 之一。")
        if not self.user.can(kind.capability):
            raise GeometryError(f"您没有修改{kind.label}位置的权限。")
        index = self.index(kind)
        if props.get("id") is not None:
            return kind, self._by_id(kind, index, props)
        name = props.get("name")
        if not isinstance(name, str) or not name.strip():
            raise GeometryError(f"请写明{kind.label}的名称（name）或编号（id）。")
        candidates = index.by_name.get(name.strip(), [])
        given = [(prop, path) for prop, path in kind.parents if props.get(prop) not in (None, "")]
        for prop, path in given:
            candidates = [c for c in candidates if _parent_name(c, path) == str(props[prop]).strip()]
        within = "".join(f"“{_text(props[prop])}”" for prop, _ in given)
        if not candidates:
            raise GeometryError(
                f"{self.community.name}{within}没有叫“{_text(name)}”的{kind.label}（或不在您负责的范围内）。"
            )
        if len(candidates) > 1:
            missing = "、".join(prop for prop, _ in kind.parents if (prop, _) not in given)
            raise GeometryError(
                f"{self.community.name}有 {len(candidates)} 个叫“{_text(name)}”的{kind.label}：请加上 {missing} 区分，或写明 id。"
            )
        return kind, candidates[0]

    def _by_id(self, kind: Kind, index: _Index, props: dict) -> models.Model:
        raw = props["id"]
        pk = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) < 19:
            pk = int(raw.strip())
        place = index.by_id.get(pk) if pk is not None else None
        if place is None:
            raise GeometryError(
                f"{self.community.name}没有编号为 {_text(raw)} 的{kind.label}（或不在您负责的范围内）。"
            )
        name = props.get("name")
        if isinstance(name, str) and name.strip() and name.strip() != place.name:
            raise GeometryError(f"编号 {pk} 的{kind.label}叫“{place.name}”，不是“{_text(name)}”：请核对 id 和 name。")
        return place


def _label(feature: object) -> str:
    props = feature.get("properties") if isinstance(feature, dict) else None
    if isinstance(props, dict) and isinstance(props.get("name"), str) and props["name"].strip():
        kind = KINDS.get(props.get("kind")) if isinstance(props.get("kind"), str) else None
        return f"（{kind.label if kind else ''}“{_text(props['name'])}”）"
    return ""


def read_feature_collection(user, community: Community, data: bytes) -> list[tuple[str, models.Model, dict]]:
    """(kind, place, checked geometry) for every feature of the file, or ImportRefused with every problem."""
    limit = settings.MAP_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise ImportRefused(
            [
                f"文件太大（{filesizeformat(len(data))}），最多 {filesizeformat(limit)}：请只导出本社区的要素，或简化形状后再导入。"
            ]
        )
    try:
        document = read_json(data)
    except GeometryError as error:
        raise ImportRefused([str(error)]) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        found = _text(document.get("type")) if isinstance(document, dict) else type(document).__name__
        raise ImportRefused([f'文件应是 GeoJSON 的要素集合（"type": "FeatureCollection"），这个文件是 {found}。'])
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise ImportRefused(["文件里没有要素（features 是空的）。"])
    if len(features) > settings.MAP_IMPORT_MAX_FEATURES:
        raise ImportRefused(
            [f"要素太多（{len(features)} 个），一次最多 {settings.MAP_IMPORT_MAX_FEATURES} 个：请分几个文件导入。"]
        )
    places, placed, seen, problems = _Places(user, community), [], {}, []
    for number, feature in enumerate(features, 1):
        try:
            kind, place = places.find(feature)
            if (kind.key, place.pk) in seen:
                raise GeometryError(f"与第 {seen[(kind.key, place.pk)]} 个要素是同一个{kind.label}，请只保留一个。")
            seen[(kind.key, place.pk)] = number
            if feature.get("geometry") is None:
                raise GeometryError(f"没有几何（geometry 为空）：请画出{kind.label}的位置。")
            placed.append((kind.key, place, check_geometry(feature["geometry"], kind.shape)))
        except GeometryError as error:
            problems.append(f"第 {number} 个要素{_label(feature)}：{error}")
    if problems:
        raise ImportRefused(problems, len(problems))
    return placed


def export_feature_collection(user, community: Community) -> dict:
    """The drawn places of `community` that the user may draw, as a FeatureCollection the import takes back."""
    features = []
    for kind in kinds_editable_by(user):
        for place in kind.in_community(user, community.pk).filter(geometry__isnull=False).order_by("pk"):
            properties = {"kind": kind.key, "id": place.pk, "name": place.name}
            properties |= {prop: _parent_name(place, path) for prop, path in kind.parents}
            features.append({"type": "Feature", "geometry": place.geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}
