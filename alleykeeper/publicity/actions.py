"""Every write of publicity: one typed function each, called by the pages, the admin and the demo."""

from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.core.uploads import delete_stored, store_checked_file
from alleykeeper.publicity.models import (
    Channel,
    Distribution,
    FloorPosting,
    Material,
    PostingSheet,
)
from alleykeeper.registry.models import Alley, Building

UPLOAD_FOLDER = "publicity"
MATERIAL_FIELDS = ("kind", "title", "description", "link", "start_date", "end_date")
CHANNEL_FIELDS = ("kind", "name", "building", "grid", "alley", "place", "members", "active")


class PublicityError(Exception):
    """A write refused, with the message to show (Chinese, says what to fix)."""


def _changed(obj: Material | Channel, values: dict) -> list[str]:
    """The fields whose new value differs from the stored row's (a ModelForm has already set them on `obj`)."""
    if obj.pk is None:
        return list(values)
    row = type(obj)._base_manager.get(pk=obj.pk)
    return [name for name, value in values.items() if getattr(row, name) != value]


def save_material(actor, material: Material | None, data: dict, uploaded: UploadedFile | None = None) -> Material:
    """Create or change a material; a new file (checked and cleaned by core.uploads, which raises UploadError
    with what to fix) replaces the old one, which is deleted once the new one is saved."""
    stored = None
    if uploaded is not None:
        stored = store_checked_file(uploaded, UPLOAD_FOLDER)
    old_file = material.file_stored_name if material is not None and stored is not None else ""
    try:
        with transaction.atomic():
            if material is None:
                material = Material(community=data["community"], created_by=actor, created_at=timezone.now())
            values = {
                name: data.get(name) or (None if name in ("start_date", "end_date") else "") for name in MATERIAL_FIELDS
            }
            changed = _changed(material, values)
            if material.pk and not changed and stored is None:
                return material  # saved unchanged: nothing written, nothing audited
            for name, value in values.items():
                setattr(material, name, value)
            if stored is not None:
                material.file_name = str(uploaded.name or "")[-200:]
                material.file_stored_name = stored.name
                material.file_kind = stored.kind
                material.file_size = stored.size
                material.file_sha256 = stored.sha256
            material.save()
            record_event(
                actor, "publicity.material_save", material, detail={"changed": changed, "file": stored is not None}
            )
    except BaseException:
        if stored is not None:
            delete_stored(UPLOAD_FOLDER, stored.name)
        raise
    if old_file:
        delete_stored(UPLOAD_FOLDER, old_file)
    return material


def save_channel(actor, channel: Channel | None, data: dict) -> Channel:
    if channel is None:
        channel = Channel(community=data["community"])
    values = {name: data.get(name) for name in CHANNEL_FIELDS}
    values["place"] = values["place"] or ""
    values["active"] = bool(values["active"])
    changed = _changed(channel, values)
    if channel.pk and not changed:
        return channel  # saved unchanged: nothing written, nothing audited
    for name, value in values.items():
        setattr(channel, name, value)
    try:
        with transaction.atomic():
            channel.save()
    except IntegrityError:
        raise PublicityError(f"本社区已经有名为“{channel.name}”的渠道，请换一个名称。") from None
    record_event(actor, "publicity.channel_save", channel, detail={"changed": changed})
    return channel


def _community_of(place: Channel | Building | Alley) -> int:
    if isinstance(place, Channel):
        return place.community_id
    if isinstance(place, Building):
        return place.alley.grid.community_id
    return place.grid.community_id


def record_distribution(actor, material: Material, data: dict, *, now: datetime | None = None) -> Distribution:
    """One sending or posting of the material: on a channel of its community, or at a building or alley."""
    places = (data.get("channel"), data.get("building"), data.get("alley"))
    if not any(places):
        raise PublicityError("请选择发布渠道，或张贴的楼栋/小巷。")
    if any(place is not None and _community_of(place) != material.community_id for place in places):
        raise PublicityError("发布的渠道或地点必须属于材料所在的社区。")
    distribution = Distribution.objects.create(
        community_id=material.community_id,
        material=material,
        channel=data.get("channel"),
        building=data.get("building"),
        alley=data.get("alley"),
        at=data["at"],
        by=actor if actor is not None and actor.is_authenticated else None,
        reach=data.get("reach"),
        reach_unit=data.get("reach_unit") or "",
        note=data.get("note") or "",
        recorded_at=now or timezone.now(),
    )
    record_event(actor, "publicity.distribute", distribution, parent=material)
    return distribution


@transaction.atomic
def withdraw_distribution(actor, distribution: Distribution, reason: str) -> None:
    """A distribution recorded by mistake (twice, the wrong channel) is taken back, with the reason: the audit
    keeps what it was. A daily report signed before keeps the figures it had."""
    reason = (reason or "").strip()
    if not reason:
        raise PublicityError("请写明撤销的原因，例如：重复登记、渠道选错。")
    detail = {"where": distribution.where, "at": distribution.at.isoformat(), "reach": distribution.reach}
    record_event(
        actor, "publicity.withdraw", distribution, parent=distribution.material, reason=reason[:300], detail=detail
    )
    distribution.delete()


def last_floor_count(building: Building) -> int | None:
    """The building's number of floors as its last sheet gave it (the register has none)."""
    return (
        PostingSheet.objects.filter(building=building)
        .order_by("-created_at", "-id")
        .values_list("floors", flat=True)
        .first()
    )


def open_sheet(
    actor, material: Material, building: Building, floors: int, *, now: datetime | None = None
) -> PostingSheet:
    """The material's checklist in the building (made once; asked again, the existing one is returned)."""
    if building.alley.grid.community_id != material.community_id:
        raise PublicityError("楼栋必须属于材料所在的社区。")
    with transaction.atomic():
        sheet, created = PostingSheet.objects.get_or_create(
            material=material, building=building, defaults={"floors": floors, "created_at": now or timezone.now()}
        )
    if created:
        record_event(actor, "publicity.sheet_open", sheet, parent=material)
    return sheet


def set_floors_posted(actor, sheet: PostingSheet, floors: set[int], *, now: datetime | None = None) -> tuple[int, int]:
    """The sheet's floors ticked as `floors`: new ticks recorded with who and when, floors no longer ticked
    (a mistake corrected) removed. A floor the building does not have is refused. Returns (added, removed)."""
    missing = sorted(f for f in floors if not 1 <= f <= sheet.floors)
    if missing:
        raise PublicityError(
            f"{sheet.building}只有 {sheet.floors} 层，没有第 {'、'.join(map(str, missing))} 层。请只勾选存在的楼层。"
        )
    now = now or timezone.now()
    with transaction.atomic():
        posted = set(sheet.postings.values_list("floor", flat=True))
        added, removed = floors - posted, posted - floors
        if removed:
            sheet.postings.filter(floor__in=removed).delete()
        FloorPosting.objects.bulk_create(
            [FloorPosting(sheet=sheet, floor=f, posted_by=actor, posted_at=now) for f in sorted(added)],
            ignore_conflicts=True,  # a second phone ticking the same floor at once: the first tick stands
        )
        if added or removed:
            record_event(
                actor,
                "publicity.floors",
                sheet,
                parent=sheet.material,
                detail={"added": sorted(added), "removed": sorted(removed)},
            )
    return len(added), len(removed)
