"""Every write of a drawn geometry goes through these functions: the edit page (a shape drawn or moved with
Leaflet.draw), the GeoJSON import, the demo community. Each checks the geometry (maps.geometry) and writes
an audit record."""

import hashlib
from dataclasses import dataclass, field

from django.db import models, transaction

from alleykeeper.audit.actions import record_event
from alleykeeper.maps.geojson_files import read_feature_collection
from alleykeeper.maps.geometry import check_geometry, vertex_count
from alleykeeper.maps.kinds import KINDS, Kind
from alleykeeper.registry.models import Community


@transaction.atomic
def save_geometry(actor, kind: Kind, place: models.Model, value: object | None) -> bool:
    """Give `place` (a gate, an enclosure, a grid, an alley or a building) the geometry `value` (GeoJSON),
    checked for its kind; None removes it from the map. Raises GeometryError (a Chinese message) when the
    geometry cannot be stored. Returns whether anything changed (an unchanged save writes nothing)."""
    geometry = None if value is None else check_geometry(value, kind.shape)
    if place.geometry == geometry:
        return False
    before = place.geometry
    place.geometry = geometry
    changed = ["geometry", *(["updated_at"] if any(f.name == "updated_at" for f in place._meta.fields) else [])]
    place.save(update_fields=changed)
    detail = {
        "type": geometry["type"] if geometry else None,
        "points": vertex_count(geometry),
        "before": {"type": before["type"], "points": vertex_count(before)} if before else None,
    }
    record_event(actor, f"{kind.key}.geometry", place, parent=kind.parent(place), detail=detail)
    return True


@dataclass
class ImportResult:
    features: int = 0
    changed: dict[str, int] = field(default_factory=dict)  # kind label -> places whose geometry changed

    @property
    def changed_total(self) -> int:
        return sum(self.changed.values())


@transaction.atomic
def import_geojson(actor, community: Community, data: bytes, *, file_name: str = "") -> ImportResult:
    """Place the features of a GeoJSON FeatureCollection on the map of `community`: each feature names a
    place by `kind` and `id`, or `kind` and `name` (with its parent's name where names repeat). All or
    nothing: any bad feature raises ImportRefused listing every problem, and nothing is written. One audit
    record for the whole file (what changed, per kind)."""
    placed = read_feature_collection(actor, community, data)
    result = ImportResult(features=len(placed))
    by_kind: dict[str, list[models.Model]] = {}
    for kind_key, place, geometry in placed:
        if place.geometry != geometry:
            place.geometry = geometry
            by_kind.setdefault(kind_key, []).append(place)
    for kind_key, places in by_kind.items():
        KINDS[kind_key].model.objects.bulk_update(places, ["geometry"], batch_size=500)
        result.changed[KINDS[kind_key].label] = len(places)
    record_event(
        actor,
        "map.import",
        community,
        row_count=result.changed_total,
        detail={
            "file": file_name[:100],
            "sha256": hashlib.sha256(data).hexdigest(),
            "features": result.features,
            "changed": result.changed,
        },
    )
    return result
