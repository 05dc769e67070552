"""Where the demo community lies: plausible geometry for the prevention map at its real place in 泉州.

开元社区 is the old town around 开元寺 (24.914 N, 118.582 E): 西街 runs west–east past the temple's south gate
to 钟楼 (24.912 N, 118.588 E), 中山北路 runs north from 钟楼. The lanes of the demo's alleys run off these two
streets (good to a few hundred metres: a real community draws its own geometry). From the lines below come
the rest: an enclosure is the block around the houses of its alleys, a gate a point on that block's edge, a
building a point beside its lane (or a block of flats in an estate), a grid the area of its enclosures.

`demo_features` gives it all as one GeoJSON FeatureCollection, which the demo loads through the same import
(maps.actions.import_geojson) as a community's own file.
"""

import math
from dataclasses import dataclass

import shapely
from shapely.geometry import LineString, Point, box, mapping

from alleykeeper.demo import data as plan

LatLon = tuple[float, float]
PAD = 0.00022  # degrees around the houses of an enclosure (about 24 m)
BESIDE = 0.00011  # a house stands this far beside its lane (about 12 m)


@dataclass(frozen=True)
class Way:
    """An alley as drawn (latitude, longitude from one end to the other) and the stretch its houses line."""

    line: tuple[LatLon, ...]
    houses: tuple[LatLon, LatLon] | None = None  # None: the whole line

    @property
    def stretch(self) -> tuple[LatLon, LatLon]:
        return self.houses or (self.line[0], self.line[-1])


WAYS = {
    # 第一网格: north, along 城北路 and 北门街
    "城北路": Way(((24.9200, 118.5800), (24.9200, 118.5880)), houses=((24.9200, 118.5848), (24.9200, 118.5872))),
    "孝感巷": Way(((24.9199, 118.5855), (24.9178, 118.5856)), houses=((24.9193, 118.5855), (24.9180, 118.5856))),
    "北门街": Way(((24.9215, 118.5852), (24.9215, 118.5876))),
    # 第二网格: 西街 east of the temple, and two lanes north of it
    "西街": Way(((24.9120, 118.5760), (24.9120, 118.5880)), houses=((24.9120, 118.5850), (24.9120, 118.5875))),
    "井亭巷": Way(((24.9122, 118.5849), (24.9141, 118.5848)), houses=((24.9126, 118.5849), (24.9141, 118.5848))),
    "象峰巷": Way(((24.9122, 118.5863), (24.9140, 118.5864)), houses=((24.9126, 118.5863), (24.9140, 118.5864))),
    # 第三网格: the two estates west of the old town (an inner road each)
    "城西环路南五区": Way(((24.9133, 118.5740), (24.9147, 118.5752))),
    "城西环路南六区": Way(((24.9110, 118.5740), (24.9123, 118.5752))),
    # 第四网格: 中山北路 and the lanes east of it
    "中山北路": Way(((24.9120, 118.5880), (24.9230, 118.5880)), houses=((24.9176, 118.5880), (24.9193, 118.5880))),
    "县后街": Way(((24.9158, 118.5880), (24.9158, 118.5905)), houses=((24.9158, 118.5883), (24.9158, 118.5905))),
    "模范巷": Way(((24.9148, 118.5880), (24.9148, 118.5902)), houses=((24.9148, 118.5883), (24.9148, 118.5902))),
    # 第五网格: 新华北路 in the west, two lanes west of 中山北路
    "新华北路": Way(((24.9110, 118.5770), (24.9190, 118.5770)), houses=((24.9140, 118.5770), (24.9161, 118.5770))),
    "甲第巷": Way(((24.9152, 118.5880), (24.9152, 118.5852)), houses=((24.9152, 118.5876), (24.9152, 118.5852))),
    "古榕巷": Way(((24.9165, 118.5880), (24.9165, 118.5852)), houses=((24.9165, 118.5876), (24.9165, 118.5852))),
    # 第六网格: south of 西街
    "裴巷": Way(((24.9120, 118.5790), (24.9100, 118.5791)), houses=((24.9116, 118.5790), (24.9100, 118.5791))),
    "旧馆驿": Way(((24.9108, 118.5885), (24.9108, 118.5852)), houses=((24.9108, 118.5876), (24.9108, 118.5852))),
    "花巷": Way(((24.9099, 118.5885), (24.9099, 118.5852)), houses=((24.9099, 118.5876), (24.9099, 118.5852))),
}
ESTATES = {
    "城西环路南五区": (24.9130, 118.5736, 24.9150, 118.5756),
    "城西环路南六区": (24.9107, 118.5736, 24.9126, 118.5756),
}

# Where each gate stands: at an end of an alley's houses ("start", "end"), or on a side of the enclosure
# level with the middle of an alley ("north", "east", "south", "west"). The plan's words say the same
# (城北路口: 城北路与中山北路交叉口, the east end of 城北路).
GATE_PLACES = {
    "城北路口": ("城北路", "end"), "城北路西口": ("城北路", "start"),
    "孝感巷口": ("孝感巷", "start"), "孝感巷南口": ("孝感巷", "end"),
    "北门街口": ("北门街", "end"), "北门街西口": ("北门街", "start"),
    "西街东口": ("西街", "end"), "西街西口": ("西街", "start"),
    "井亭巷口": ("井亭巷", "end"), "象峰巷口": ("象峰巷", "start"),
    "南五区东门": ("城西环路南五区", "east"), "南五区北门": ("城西环路南五区", "north"),
    "南六区大门": ("城西环路南六区", "east"),
    "中山北路口": ("中山北路", "end"), "中山北路南口": ("中山北路", "start"),
    "县后街口": ("县后街", "end"), "模范巷口": ("模范巷", "south"),
    "新华北路口": ("新华北路", "end"), "新华北路南口": ("新华北路", "start"),
    "甲第巷口": ("甲第巷", "start"), "古榕巷口": ("古榕巷", "north"),
    "裴巷口": ("裴巷", "start"), "裴巷南口": ("裴巷", "end"),
    "旧馆驿口": ("旧馆驿", "start"), "花巷口": ("花巷", "start"),
}  # fmt: skip
_AWAY = {"north": (0.01, 0), "east": (0, 0.01), "south": (-0.01, 0), "west": (0, -0.01)}


def _xy(point: LatLon) -> tuple[float, float]:
    """(latitude, longitude) as GeoJSON's (x, y): longitude first."""
    return point[1], point[0]


def _block(alleys: tuple[str, ...]) -> shapely.Polygon:
    """An enclosure: the block around the houses of its alleys (an estate: its own grounds)."""
    if alleys[0] in ESTATES:
        south, west, north, east = ESTATES[alleys[0]]
        return box(west, south, east, north)
    ends = [_xy(end) for name in alleys for end in WAYS[name].stretch]
    xs, ys = [x for x, _ in ends], [y for _, y in ends]
    return box(min(xs) - PAD, min(ys) - PAD, max(xs) + PAD, max(ys) + PAD)


def _gate(block: shapely.Polygon, alley: str, where: str) -> Point:
    start, end = WAYS[alley].stretch
    if where in ("start", "end"):
        near = Point(_xy(start if where == "start" else end))
    else:
        middle = LineString([_xy(start), _xy(end)]).interpolate(0.5, normalized=True)
        dlat, dlon = _AWAY[where]
        near = Point(middle.x + dlon, middle.y + dlat)
    edge = block.exterior
    return edge.interpolate(edge.project(near))


def _beside(alley: str, count: int) -> list[shapely.Geometry]:
    """Places for the alley's buildings in order: two rows facing each other along a lane or a street; in an
    estate, blocks of flats (small rectangles) in rows inside its grounds."""
    if alley in ESTATES:
        south, west, north, east = ESTATES[alley]
        rows = math.ceil(count / 2)
        places = []
        for i in range(count):
            row, column = divmod(i, 2)
            y = south + (north - south) * (row + 0.5) / rows
            x = west + (east - west) * (0.28 if column == 0 else 0.72)
            places.append(box(x - 0.00017, y - 0.00006, x + 0.00017, y + 0.00006))
        return places
    start, end = (Point(_xy(p)) for p in WAYS[alley].stretch)
    length = start.distance(end)
    ux, uy = (end.x - start.x) / length, (end.y - start.y) / length
    pairs = math.ceil(count / 2)
    places = []
    for i in range(count):
        along, side = divmod(i, 2)
        t = (along + 0.5) / pairs
        offset = BESIDE if side == 0 else -BESIDE
        places.append(Point(start.x + ux * length * t - uy * offset, start.y + uy * length * t + ux * offset))
    return places


def _feature(kind: str, geometry: shapely.Geometry | dict, **names: str) -> dict:
    shape = geometry if isinstance(geometry, dict) else mapping(geometry)
    return {"type": "Feature", "properties": {"kind": kind, **names}, "geometry": shape}


def demo_features(buildings_by_alley: dict[str, list[str]]) -> dict:
    """The demo community's geometry as a FeatureCollection: `buildings_by_alley` names each alley's buildings
    in the order they were registered (1号, 2号 ... along the lane)."""
    features = []
    blocks = {}
    for enclosure in plan.ENCLOSURES:
        block = blocks[enclosure.name] = _block(enclosure.alleys)
        features.append(_feature("enclosure", block, name=enclosure.name))
        for gate in enclosure.gates:
            alley, where = GATE_PLACES[gate.name]
            features.append(_feature("gate", _gate(block, alley, where), name=gate.name, enclosure=enclosure.name))
    enclosure_of = {alley: e.name for e in plan.ENCLOSURES for alley in e.alleys}
    for grid in plan.GRIDS:
        parts = [blocks[enclosure_of[a.name]].buffer(0.0001, join_style="mitre") for a in grid.alleys]
        # Snapped to the 7 decimals stored, so that rounding cannot make neighbouring parts overlap.
        area = shapely.set_precision(shapely.unary_union(parts), 1e-7)
        features.append(_feature("grid", area, name=grid.name))
        for alley in grid.alleys:
            line = LineString([_xy(p) for p in WAYS[alley.name].line])
            features.append(_feature("alley", line, name=alley.name, grid=grid.name))
            names = buildings_by_alley.get(alley.name, [])
            for name, place in zip(names, _beside(alley.name, len(names)), strict=True):
                features.append(_feature("building", place, name=name, alley=alley.name))
    return {"type": "FeatureCollection", "features": features}
