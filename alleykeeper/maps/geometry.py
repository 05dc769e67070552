"""The one place that checks geometry before it is stored (GeoJSON, RFC 7946, WGS84 longitude/latitude).

Every geometry written to the database (a shape drawn in the browser, a feature of an imported file, the
demo's places) goes through `check_geometry`, which either returns the normalised geometry (only "type" and
"coordinates", positions as [longitude, latitude] rounded to 7 decimals, about 1 cm) or raises GeometryError
with a Chinese message saying what to fix. The rules: the type allowed for the kind of place (a gate is a
point, an enclosure an area...), numbers within WGS84 bounds, closed rings, at most MAP_MAX_VERTICES points,
and areas that are valid polygons (no self-intersection, holes inside their shell), checked by GEOS through
shapely, the reference implementation of those rules.
"""

import json
import math
from enum import Enum

import shapely
from django.conf import settings
from shapely.geometry import shape as shapely_shape

TYPE_LABELS = {
    "Point": "点",
    "MultiPoint": "多个点",
    "LineString": "线",
    "MultiLineString": "多条线",
    "Polygon": "多边形（面）",
    "MultiPolygon": "多个多边形（面）",
    "GeometryCollection": "几何集合",
}
PRECISION = 7  # decimals kept: about 1 cm, far finer than anything drawn on a phone


class Shape(Enum):
    """The geometry types a kind of place may have."""

    POINT = ("Point",)
    LINE = ("LineString", "MultiLineString")
    AREA = ("Polygon", "MultiPolygon")
    PLACE = ("Point", "Polygon")  # a building: a point, or its outline

    @property
    def label(self) -> str:
        return "或".join(TYPE_LABELS[t] for t in self.value)


class GeometryError(ValueError):
    """Geometry that cannot be stored; the message says in Chinese what to fix."""


def read_json(data: bytes | str) -> object:
    """JSON text (UTF-8, a BOM allowed; GB18030 from older Chinese tools) as Python values, or GeometryError.
    NaN and Infinity are not JSON and are refused; so are absurd nestings and numbers."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                data = data.decode("gb18030")
            except UnicodeDecodeError:
                raise GeometryError(
                    "文件不是文本文件：请上传 UTF-8 编码的 GeoJSON 文件（.geojson 或 .json）。"
                ) from None
    if not data.strip():
        raise GeometryError("内容是空的：请填写或上传 GeoJSON。")

    def refuse_constant(name: str) -> float:
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(data, parse_constant=refuse_constant)
    except (ValueError, RecursionError) as error:
        where = f"（第 {error.lineno} 行第 {error.colno} 列附近）" if isinstance(error, json.JSONDecodeError) else ""
        raise GeometryError(f"不是有效的 JSON{where}：请检查括号、引号和逗号，或重新导出 GeoJSON 文件。") from None


class _Reader:
    """Reads coordinates of one geometry, counting points so that a huge one is refused early."""

    def __init__(self) -> None:
        self.limit = settings.MAP_MAX_VERTICES
        self.points = 0

    def position(self, value: object) -> list[float]:
        if not isinstance(value, list | tuple) or len(value) not in (2, 3):
            raise GeometryError("每个点应写成 [经度, 纬度]（两个数），请检查坐标。")
        numbers = []
        for item in value[:2]:
            number = _number(item)
            if number is None:
                raise GeometryError("坐标里有不是数字的值（或大得离谱的数），每个点应写成 [经度, 纬度]。")
            numbers.append(number)
        lon, lat = numbers
        if not -90 <= lat <= 90 or not -180 <= lon <= 180:
            hint = "；GeoJSON 的顺序是 [经度, 纬度]，是否写反了？" if -90 <= lon <= 90 and -180 <= lat <= 180 else ""
            projected = "；文件可能用的是投影坐标（如 EPSG:3857 的米），请导出为 WGS84 经纬度" if abs(lon) > 180 else ""
            raise GeometryError(
                f"坐标 {_short(value)} 超出经纬度范围（经度 -180 到 180，纬度 -90 到 90）{hint}{projected}。"
            )
        self.points += 1
        if self.points > self.limit:
            raise GeometryError(f"点数太多：一个形状最多 {self.limit} 个点，请简化后再保存。")
        return [round(lon, PRECISION), round(lat, PRECISION)]

    def line(self, value: object) -> list[list[float]]:
        if not isinstance(value, list | tuple) or len(value) < 2:
            raise GeometryError("一条线至少需要两个点。")
        points = [self.position(p) for p in value]
        if all(p == points[0] for p in points):
            raise GeometryError("这条线的各点都在同一位置，请至少画出两个不同的点。")
        return points

    def ring(self, value: object) -> list[list[float]]:
        if not isinstance(value, list | tuple) or len(value) < 4:
            raise GeometryError("多边形的边界至少需要三个不同的点，且首尾相同（共四个坐标）。")
        points = [self.position(p) for p in value]
        if points[0] != points[-1]:
            raise GeometryError(
                f"多边形的边界没有闭合：最后一个点 {_short(points[-1])} 应与第一个点 {_short(points[0])} 相同。"
            )
        if len({tuple(p) for p in points}) < 3:
            raise GeometryError("多边形的边界至少需要三个不同的点。")
        return points

    def polygon(self, value: object) -> list[list[list[float]]]:
        if not isinstance(value, list | tuple) or not value:
            raise GeometryError("多边形没有边界坐标。")
        return [self.ring(r) for r in value]

    def many(self, value: object, read) -> list:
        if not isinstance(value, list | tuple) or not value:
            raise GeometryError("没有坐标。")
        return [read(part) for part in value]


def _number(item: object) -> float | None:
    if isinstance(item, bool) or not isinstance(item, int | float):
        return None
    try:
        number = float(item)
    except OverflowError:  # an integer of hundreds of digits
        return None
    return number if math.isfinite(number) else None


def _short(value: object) -> str:
    """A value shown in a message, cut short (it may come from a hostile file)."""
    if isinstance(value, list) and all(_number(v) is not None for v in value) and len(value) <= 3:
        return "[" + ", ".join(format(v, ".10g") for v in value) + "]"
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _check_area(geometry: dict) -> None:
    """Polygons must be valid (OGC simple features): GEOS says why not and where."""
    reason = shapely.is_valid_reason(shapely_shape(geometry))
    if reason == "Valid Geometry":
        return
    where = ""
    if "[" in reason:
        try:
            lon, lat = (float(n) for n in reason[reason.index("[") + 1 : reason.rindex("]")].split()[:2])
            where = f"（约在经度 {lon:.6f}、纬度 {lat:.6f} 处）"
        except ValueError:
            where = ""
    if "Self-intersection" in reason:
        if geometry["type"] == "MultiPolygon":
            raise GeometryError(f"多边形自相交或几个多边形互相重叠{where}：请调整顶点，让边界不交叉、不重叠。")
        raise GeometryError(f"多边形的边自相交{where}：请调整顶点，让边界不交叉（不要画成“8”字形）。")
    if "Hole lies outside shell" in reason or "Nested holes" in reason:
        raise GeometryError(f"多边形的内洞不在外边界之内{where}，请检查各个环的顺序。")
    if "Nested shells" in reason or "Duplicate" in reason:
        raise GeometryError(f"几个多边形互相套住或重复{where}，请合并成一个或删去重复的。")
    raise GeometryError(f"多边形无效{where}，请重新绘制。")


def check_geometry(value: object, shape: Shape) -> dict:
    """The geometry to store (normalised), or GeometryError saying what to fix. A GeoJSON Feature is taken
    for its geometry, so that a feature copied from a file or from the map can be pasted as it is."""
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or "type" not in value:
        raise GeometryError('不是 GeoJSON 几何：应是 {"type": "Point", "coordinates": [经度, 纬度]} 这样的对象。')
    kind = value["type"]
    if kind not in TYPE_LABELS:
        raise GeometryError(f"不认识的几何类型 {_short(kind)}。")
    if kind not in shape.value:
        raise GeometryError(f"这里需要{shape.label}，收到的是{TYPE_LABELS[kind]}。")
    reader = _Reader()
    coordinates = value.get("coordinates")
    if kind == "Point":
        result = reader.position(coordinates)
    elif kind == "LineString":
        result = reader.line(coordinates)
    elif kind == "MultiLineString":
        result = reader.many(coordinates, reader.line)
    elif kind == "Polygon":
        result = reader.polygon(coordinates)
    else:  # MultiPolygon: the only type left that a Shape allows
        result = reader.many(coordinates, reader.polygon)
    geometry = {"type": kind, "coordinates": result}
    if kind in Shape.AREA.value:
        _check_area(geometry)
    return geometry


def vertex_count(geometry: dict | None) -> int:
    """How many positions a stored geometry has (for the audit log)."""
    if not geometry:
        return 0

    def count(value: object) -> int:
        if isinstance(value, list) and value and isinstance(value[0], int | float):
            return 1
        return sum(count(v) for v in value) if isinstance(value, list) else 0

    return count(geometry.get("coordinates"))
