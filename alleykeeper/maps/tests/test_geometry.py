"""maps.geometry, the one place that checks geometry: what is stored, and every bad shape refused with a message
that says what to fix."""

import pytest

from alleykeeper.maps.geometry import GeometryError, Shape, check_geometry, read_json, vertex_count

SQUARE = [[118.582, 24.914], [118.583, 24.914], [118.583, 24.915], [118.582, 24.915], [118.582, 24.914]]


def test_good_shapes_are_stored_normalised():
    point = check_geometry({"type": "Point", "coordinates": [118.58234567891, 24.9141, 12.5], "bbox": [1]}, Shape.POINT)
    assert point == {"type": "Point", "coordinates": [118.5823457, 24.9141]}  # 7 decimals, no altitude, no extras
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}
    assert check_geometry(feature, Shape.AREA) == {"type": "Polygon", "coordinates": [SQUARE]}
    assert check_geometry(point, Shape.POINT) == point, "checking a stored geometry again changes nothing"
    line = check_geometry({"type": "MultiLineString", "coordinates": [[[118.58, 24.91], [118.59, 24.91]]]}, Shape.LINE)
    assert vertex_count(line) == 2 and vertex_count(None) == 0
    assert check_geometry({"type": "Polygon", "coordinates": [SQUARE]}, Shape.PLACE)["type"] == "Polygon"


@pytest.mark.parametrize(
    ("value", "shape", "message"),
    [
        ({"type": "Polygon", "coordinates": [SQUARE]}, Shape.POINT, "这里需要点，收到的是多边形"),
        ({"type": "Point", "coordinates": [118.58, 24.91]}, Shape.AREA, "这里需要多边形（面）或多个多边形（面）"),
        ({"type": "GeometryCollection", "geometries": []}, Shape.LINE, "收到的是几何集合"),
        ({"type": "Circle", "coordinates": [0, 0]}, Shape.POINT, "不认识的几何类型"),
        ([118.58, 24.91], Shape.POINT, "不是 GeoJSON 几何"),
        ({"type": "Point", "coordinates": [24.914, 118.582]}, Shape.POINT, "是否写反了"),
        ({"type": "Point", "coordinates": [13200000.5, 2860000.1]}, Shape.POINT, "投影坐标"),
        ({"type": "Point", "coordinates": [181, 24]}, Shape.POINT, "超出经纬度范围"),
        ({"type": "Point", "coordinates": ["118.5", 24.9]}, Shape.POINT, "不是数字"),
        ({"type": "Point", "coordinates": [True, 24.9]}, Shape.POINT, "不是数字"),
        ({"type": "Point", "coordinates": [10**400, 24.9]}, Shape.POINT, "不是数字"),
        ({"type": "Point", "coordinates": [118.5]}, Shape.POINT, "[经度, 纬度]"),
        ({"type": "LineString", "coordinates": [[118.58, 24.91]]}, Shape.LINE, "至少需要两个点"),
        ({"type": "LineString", "coordinates": [[118.58, 24.91]] * 3}, Shape.LINE, "同一位置"),
        ({"type": "Polygon", "coordinates": [SQUARE[:-1]]}, Shape.AREA, "没有闭合"),
        ({"type": "Polygon", "coordinates": [SQUARE[:3]]}, Shape.AREA, "至少需要三个不同的点"),
        ({"type": "Polygon", "coordinates": []}, Shape.AREA, "没有边界坐标"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]},  # a bow tie
            Shape.AREA,
            "自相交（约在经度 1.000000、纬度 1.000000 处）",
        ),
        (
            {"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE]]},  # the same area twice
            Shape.AREA,
            "重叠",
        ),
        (
            {"type": "Polygon", "coordinates": [SQUARE, [[0, 0], [1, 0], [1, 1], [0, 0]]]},  # a hole far outside
            Shape.AREA,
            "内洞不在外边界之内",
        ),
    ],
)
def test_bad_shapes_are_refused_with_what_to_fix(value, shape, message):
    with pytest.raises(GeometryError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        check_geometry(value, shape)


def test_too_many_points_are_refused_early(settings):
    settings.MAP_MAX_VERTICES = 100
    ring = [[118.58 + i * 1e-5, 24.91] for i in range(150)] + [[118.58, 24.92], [118.58, 24.91]]
    with pytest.raises(GeometryError, match="最多 100 个点"):
        check_geometry({"type": "Polygon", "coordinates": [ring]}, Shape.AREA)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "内容是空的"),
        ("{'type': 'Point'}", "不是有效的 JSON（第 1 行第 2 列附近）"),
        ('{"type": "Point", "coordinates": [NaN, 1]}', "不是有效的 JSON"),
        ("[" * 100_000 + "]" * 100_000, "不是有效的 JSON"),  # nested beyond any parser's depth
        ("1" * 5000, "不是有效的 JSON"),  # an integer Python refuses to read
        ("\x89PNG\r\n\x1a\n\x00\x00".encode("latin-1") + bytes(range(256)) * 4, "不是文本文件"),
    ],
)
def test_what_is_not_json_is_refused(text, message):
    with pytest.raises(GeometryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_json(text)


def test_json_in_utf8_with_bom_and_in_gb18030_is_read():
    assert read_json('\ufeff{"name": "西街"}'.encode()) == {"name": "西街"}
    assert read_json('{"name": "西街"}'.encode("gb18030")) == {"name": "西街"}
